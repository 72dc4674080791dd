// The language server's one door into the compiler. Everything the editor shows (diagnostics,
// shapes, parameters, multiply-adds, Table 1 cells, the prelude's blocks) is read here and turned
// into plain data, so that a change in the compiler's IR or analysis is a fix to this file only.
import { readFileSync } from "node:fs";
import { analyze } from "../compiler/ir/analysis.js";
import { checkProgram } from "../compiler/check.js";
import { formatResnet } from "../compiler/format/index.js";
import { SHORTCUT_MODES } from "../compiler/instance.js";
import { shapeText, type IrGraph } from "../compiler/ir/types.js";
import { LAYERS, type LayerContext } from "../compiler/layers.js";
import { loadProgram, type Program } from "../compiler/program.js";
import { TRAIN_SETTINGS } from "../compiler/train-settings.js";
import type { Diagnostic } from "../grammar/diagnostic.js";

export type { Program };
export { formatResnet };

/** Open editor buffers by absolute path: they win over the files on disk. */
export type Overlays = Map<string, string>;

/** One IR node that came from a line of source: what it outputs and what it costs. */
export interface NodeFacts {
  file: string;
  start: number;
  shape: string;
  params: number;
  madds: number;
  group: string;
  block: string | null;
}

/** One row of Table 1: a stem group, a stage or the head. */
export interface GroupFacts {
  name: string;
  kind: "layers" | "stage";
  output: string;
  blocks: number;
  description: string[];
  shortcut: string | null;
  blockType: string | null;
  params: number;
  madds: number;
}

export interface GraphFacts {
  model: string;
  variant: string | null;
  depth: number;
  params: number;
  madds: number;
  groups: GroupFacts[];
  nodes: NodeFacts[];
}

/** Everything one check of a file yields, as plain data (it crosses a worker boundary). */
export interface CheckFacts {
  diagnostics: Diagnostic[];
  /** Every file the check read (the entry, its imports, the prelude), with its text. */
  sources: Map<string, string>;
  graphs: GraphFacts[];
}

function readerFor(overlays: Overlays): (path: string) => string {
  return (p) => overlays.get(p) ?? readFileSync(p, "utf8");
}

/** Parses the file and what it uses (no checks): names, spans and block tables. No text: from disk. */
export function parseProgram(path: string, text: string | undefined, overlays: Overlays): Program {
  return loadProgram(path, { text, readFile: readerFor(overlays) });
}

/** `resnetc check` on a buffer: the same diagnostics, plus the facts of every variant's graph. */
export function checkText(path: string, text: string, overlays: Overlays): CheckFacts {
  const result = checkProgram(parseProgram(path, text, overlays));
  return {
    diagnostics: result.diagnostics,
    sources: result.program.sources,
    graphs: result.graphs.map(graphFacts),
  };
}

function graphFacts(g: IrGraph): GraphFacts {
  const a = analyze(g);
  const nodes: NodeFacts[] = [];
  for (const n of g.nodes) {
    if (!n.span || n.op === "input") continue;
    nodes.push({
      file: n.span.file,
      start: n.span.start,
      shape: shapeText(n.shape),
      params: a.nodes[n.id]!.params,
      madds: a.nodes[n.id]!.madds,
      group: n.group,
      block: n.block,
    });
  }
  return {
    model: g.name,
    variant: g.variant,
    depth: a.depth,
    params: a.params,
    madds: a.multiplyAdds,
    nodes,
    groups: g.groups.map((grp) => {
      const ga = a.groups.find((x) => x.name === grp.name);
      return {
        name: grp.name,
        kind: grp.kind,
        output: shapeText(grp.output),
        blocks: grp.blocks,
        description: grp.description,
        shortcut: grp.shortcut,
        blockType: grp.blockType,
        params: ga?.params ?? 0,
        madds: ga?.multiplyAdds ?? 0,
      };
    }),
  };
}

/** The language's vocabulary, for completion and hover. */
export const vocabulary = {
  layers: LAYERS as Record<string, { usage: string; options: string[]; where: LayerContext[] }>,
  trainSettings: TRAIN_SETTINGS,
  shortcutModes: SHORTCUT_MODES as string[],
  topLevel: ["model", "block", "use"],
  modelStatements: ["input", "shortcut", "stem", "variants", "stages", "stage", "head", "train"],
  dataSources: ["mnist", '"cifar10:DIR"', '"folder:DIR"'],
};
