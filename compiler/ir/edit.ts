// Graph-editing helpers for passes. Passes never mutate the graph they are given: they edit a
// copy (cloneGraph) and hand back a graph whose ids are positions again (compact).
import type { IrGraph, IrNode } from "./types.js";

/** A deep copy of the nodes and groups (weight tensors are shared: they are never edited in place). */
export function cloneGraph(g: IrGraph): IrGraph {
  return {
    ...g,
    nodes: g.nodes.map((n) => structuredClone(n)),
    groups: g.groups.map((x) => structuredClone(x)),
    weights: new Map(g.weights),
  };
}

/** Nodes that read node `id`. */
export function usersOf(g: IrGraph, id: number): IrNode[] {
  return g.nodes.filter((n) => n.inputs.includes(id));
}

/** Every use of node `from` reads node `to` instead (the graph's output and classifier too). */
export function replaceUses(g: IrGraph, from: number, to: number): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
  if (g.output === from) g.output = to;
  if (g.logits === from) g.logits = to;
}

/**
 * Drops the nodes in `remove` (which nothing may still read) and the weights bound to them, and
 * renumbers the rest so that ids are positions again.
 */
export function removeNodes(g: IrGraph, remove: Set<number>): IrGraph {
  const keep = g.nodes.filter((n) => !remove.has(n.id));
  const newId = new Map(keep.map((n, i) => [n.id, i]));
  const at = (id: number) => {
    const v = newId.get(id);
    if (v === undefined) throw new Error(`internal: node ${id} is removed but still used`);
    return v;
  };
  // A node a pass rebuilt elsewhere under the same name keeps its weights.
  const kept = new Set(keep.map((n) => n.name));
  const gone = new Set(
    g.nodes.filter((n) => remove.has(n.id) && !kept.has(n.name)).map((n) => n.name),
  );
  const weights = new Map(
    [...g.weights].filter(([k]) => !gone.has(k.slice(0, k.lastIndexOf(".")))),
  );
  const nodes = keep.map((n) => ({ ...n, id: at(n.id), inputs: n.inputs.map(at) }));
  return { ...g, nodes, weights, output: at(g.output), logits: at(g.logits) };
}
