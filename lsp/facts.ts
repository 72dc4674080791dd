// What the checked graphs say about one line of source: the output shape, parameters and
// multiply-adds of a layer line (per variant), and the Table 1 rows of a stage line.
import type { Command, ModelDecl, ModelStmt } from "../grammar/ast.js";
import type { GraphFacts, GroupFacts } from "./compiler-adapter.js";

export interface LineFact {
  label: string;
  shape: string;
  params: number;
  madds: number;
  /** Blocks the line's layer occurs in (layers of a block type), else 0. */
  blocks: number;
}

export interface StageFact extends GroupFacts {
  label: string;
}

export function variantLabel(g: GraphFacts): string {
  return g.variant === null ? g.model : `${g.model} ${g.variant}`;
}

/** The facts of a command (layer line) in every graph that has it. */
export function commandFacts(
  graphs: GraphFacts[],
  file: string,
  span: { start: number; end: number },
): LineFact[] {
  const out: LineFact[] = [];
  for (const g of graphs) {
    const ns = g.nodes.filter(
      (n) => n.file === file && n.start >= span.start && n.start < span.end,
    );
    if (ns.length === 0) continue;
    out.push({
      label: variantLabel(g),
      shape: ns[ns.length - 1].shape,
      params: ns.reduce((s, n) => s + n.params, 0),
      madds: ns.reduce((s, n) => s + n.madds, 0),
      blocks: new Set(ns.map((n) => n.block).filter((b) => b !== null)).size,
    });
  }
  return out;
}

/** For a layer of a block type: per graph and stage, the shape it outputs in that stage. */
export function blockLayerFacts(
  graphs: GraphFacts[],
  file: string,
  span: { start: number; end: number },
): { label: string; stages: { name: string; shape: string }[] }[] {
  const out = [];
  for (const g of graphs) {
    const stages: { name: string; shape: string }[] = [];
    for (const n of g.nodes) {
      if (n.file !== file || n.start < span.start || n.start >= span.end) continue;
      const last = stages[stages.length - 1];
      if (last?.name === n.group) last.shape = n.shape;
      else stages.push({ name: n.group, shape: n.shape });
    }
    if (stages.length) out.push({ label: variantLabel(g), stages });
  }
  return out;
}

/** The stage names a `stages` or `stage` statement makes: conv2..conv5 -> conv2, ..., conv5. */
export function stageNames(stmt: ModelStmt): string[] {
  if (stmt.kind === "stage") return [stmt.name];
  if (stmt.kind !== "stages") return [];
  const a = /^(.*?)(\d+)$/.exec(stmt.from.name);
  const b = /^(.*?)(\d+)$/.exec(stmt.to.name);
  if (!a || !b || a[1] !== b[1]) return [stmt.from.name];
  const names = [];
  for (let i = Number(a[2]); i <= Number(b[2]) && names.length < 1000; i++) names.push(a[1] + i);
  return names;
}

/** Every graph's rows for these stages of this model. */
export function stageFacts(graphs: GraphFacts[], model: string, names: string[]): StageFact[] {
  const out: StageFact[] = [];
  for (const name of names)
    for (const g of graphs) {
      if (g.model !== model) continue;
      const grp = g.groups.find((x) => x.name === name);
      if (grp) out.push({ ...grp, label: variantLabel(g) });
    }
  return out;
}

/** The layer lines of a model's stem and head. */
export function layerCommands(m: ModelDecl): Command[] {
  return m.statements.flatMap((s) => (s.kind === "stem" || s.kind === "head" ? s.layers : []));
}

/** Distinct values in order, joined: `7x7x512 | 7x7x2048`. */
export function distinct(values: string[], sep = " | "): string {
  return [...new Set(values)].join(sep);
}
