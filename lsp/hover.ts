// Hover: a layer line's output shape, parameters and multiply-adds (per variant where they
// differ), a stage line's Table 1 rows, a block type's signature and definition, a shortcut
// option's meaning, a variant's totals.
import { basename } from "node:path";
import { printExpr, type BlockDecl } from "../grammar/ast.js";
import type { CheckFacts, Program } from "./compiler-adapter.js";
import { targetAt, type Target } from "./ast-query.js";
import {
  blockLayerFacts,
  commandFacts,
  stageFacts,
  stageNames,
  variantLabel,
  type LineFact,
} from "./facts.js";
import { compact, int } from "./text.js";

export const SHORTCUT_MEANINGS: Record<string, string> = {
  A: "option A (He et al. 2015, section 3.3): identity; where the shape changes, subsample by the stride and append zero channels. No parameters.",
  B: "option B: a 1x1 strided projection + BN where the shape changes, identity elsewhere.",
  C: "option C: a 1x1 projection + BN on every block.",
  identity: "always identity: a block that changes the shape is an error (RN201).",
  none: "no shortcut and no addition: a plain network.",
};

export function hoverText(
  program: Program,
  path: string,
  offset: number,
  facts: CheckFacts | null,
): string | null {
  const ast = program.files.get(path);
  if (!ast) return null;
  const t = targetAt(ast, offset);
  if (!t) return null;
  return describe(t, program, path, facts);
}

function describe(
  t: NonNullable<Target>,
  program: Program,
  path: string,
  facts: CheckFacts | null,
) {
  const graphs = facts?.graphs ?? [];
  switch (t.kind) {
    case "blockName": {
      const b = program.blocks.get(t.name);
      return b ? blockHover(b, program) : `unknown block type \`${t.name}\``;
    }
    case "shortcut": {
      const key = /^[abc]$/i.test(t.value) ? t.value.toUpperCase() : t.value;
      const m = SHORTCUT_MEANINGS[key];
      return m ? `**shortcut ${key}**: ${m}` : null;
    }
    case "use":
      return `\`use\`: the blocks and models of \`${t.target}\``;
    case "extends":
      return `extends model \`${t.name}\``;
    case "layer":
      return layerHover(commandFacts(graphs, path, t.cmd.span));
    case "blockLayer":
      return blockLayerHover(blockLayerFacts(graphs, path, t.cmd.span));
    case "stages":
      return stagesHover(stageFacts(graphs, t.model.name, stageNames(t.stmt)));
    case "variant": {
      const g = graphs.find((x) => x.model === t.model.name && x.variant === t.key);
      return g
        ? `**${variantLabel(g)}**: ${g.depth} weighted layers, ${int(g.params)} params, ${compact(g.madds)} multiply-adds`
        : null;
    }
  }
}

function blockHover(b: BlockDecl, program: Program): string {
  const params = b.params.map((p) => (p.default ? `${p.name} = ${printExpr(p.default)}` : p.name));
  const where =
    b.span.file === program.preludePath
      ? `defined in the prelude (prelude.resnet:${b.span.line})`
      : `defined in ${basename(b.span.file)}:${b.span.line}`;
  const src = program.sources.get(b.span.file)?.slice(b.span.start, b.span.end);
  return [
    "```resnet",
    `block ${b.name}(${params.join(", ")})`,
    "```",
    where,
    ...(src ? ["```resnet", src, "```"] : []),
  ].join("\n");
}

function layerHover(fs: LineFact[]): string | null {
  if (fs.length === 0) return null;
  const text = (f: LineFact) =>
    `${f.shape}, ${int(f.params)} params, ${int(f.madds)} multiply-adds`;
  const groups = new Map<string, string[]>();
  for (const f of fs) groups.set(text(f), [...(groups.get(text(f)) ?? []), f.label]);
  if (groups.size === 1) return `output ${[...groups.keys()][0]}`;
  return [...groups].map(([t, labels]) => `- ${t} (${labels.join(", ")})`).join("\n") + `\n`;
}

function blockLayerHover(fs: ReturnType<typeof blockLayerFacts>): string | null {
  if (fs.length === 0) return null;
  const groups = new Map<string, string[]>();
  for (const f of fs) {
    const key = f.stages.map((s) => `${s.name} ${s.shape}`).join(", ");
    groups.set(key, [...(groups.get(key) ?? []), f.label]);
  }
  return (
    "output, per stage:\n" +
    [...groups].map(([t, labels]) => `- ${t} (${labels.join(", ")})`).join("\n")
  );
}

function stagesHover(fs: ReturnType<typeof stageFacts>): string | null {
  if (fs.length === 0) return null;
  const groups = new Map<string, string[]>();
  for (const f of fs) {
    const key = `${f.name}_x: ${f.output}, ${f.blocks} block${f.blocks === 1 ? "" : "s"}, ${f.description.join("; ")}; ${compact(f.params)} params, ${compact(f.madds)} multiply-adds`;
    groups.set(key, [...(groups.get(key) ?? []), f.label]);
  }
  return [...groups].map(([t, labels]) => `- ${t} (${labels.join(", ")})`).join("\n");
}
