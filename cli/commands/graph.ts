// resnetc graph FILE: a diagram of one network by stage and block, with the shape on every edge and
// every shortcut drawn (identity, projection, zero-pad (A), or none); runs of identical blocks are
// collapsed unless --expand. SVG (own layout), DOT or mermaid text; to stdout or -o FILE (.png too).
import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { diagramOf, toDot, toMermaid, toSvg } from "../../compiler/graph/index.js";
import { compileAll, type CompileFlags } from "../compile.js";
import { UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { onlyGraph } from "../select-one.js";

export interface GraphFlags extends CompileFlags {
  format?: string;
  output?: string;
  expand?: boolean;
}

const FORMATS = ["svg", "dot", "mermaid"] as const;
type Format = (typeof FORMATS)[number];

/** The format: --format, else from -o's extension (.svg, .png, .dot/.gv, .mmd), else svg. */
export function graphFormat(flags: GraphFlags): { format: Format; png: boolean } {
  const ext = flags.output !== undefined ? extname(flags.output).toLowerCase() : "";
  const png = ext === ".png";
  if (flags.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flags.format)) {
      throw new UsageError(`--format must be svg, dot or mermaid, got '${flags.format}'`);
    }
    if (png && flags.format !== "svg") {
      throw new UsageError(
        `-o ${flags.output}: a .png file needs --format svg, not ${flags.format}`,
      );
    }
    return { format: flags.format as Format, png };
  }
  if (ext === ".dot" || ext === ".gv") return { format: "dot", png };
  if (ext === ".mmd" || ext === ".mermaid") return { format: "mermaid", png };
  return { format: "svg", png };
}

export async function graphCommand(o: Output, file: string, flags: GraphFlags): Promise<void> {
  const { format, png } = graphFormat(flags);
  const { graph } = onlyGraph(compileAll(o, [file], flags), "graph");
  const d = diagramOf(graph, { expand: Boolean(flags.expand) });
  const text = format === "dot" ? toDot(d) : format === "mermaid" ? toMermaid(d) : toSvg(d);
  if (flags.output === undefined) {
    o.out(text);
    return;
  }
  if (png) {
    const { svgToPng } = await import("../../runtime/charts/png.js");
    await writeFile(flags.output, await svgToPng(text, 96));
  } else await writeFile(flags.output, text);
  o.err(`wrote ${flags.output}`);
}
