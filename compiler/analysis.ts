// Counts over a checked graph: trainable parameters, multiply-adds (conv and fc only, the paper's
// "FLOPs"), depth (weighted layers on the main path) and per-group totals.
import type { IrGraph } from "./ir.js";

export interface Analysis {
  params: number;
  /** BN moving mean/variance: state, not trainable (tfjs countParams() includes them). */
  state: number;
  multiplyAdds: number;
  depth: number;
  groups: { name: string; params: number; multiplyAdds: number }[];
}

export function analyze(g: IrGraph): Analysis {
  const groups = new Map<string, { name: string; params: number; multiplyAdds: number }>();
  let params = 0;
  let state = 0;
  let madds = 0;
  let depth = 0;
  for (const n of g.nodes) {
    params += n.params;
    state += n.state;
    madds += n.madds;
    if (n.weighted) depth++;
    let e = groups.get(n.group);
    if (!e) groups.set(n.group, (e = { name: n.group, params: 0, multiplyAdds: 0 }));
    e.params += n.params;
    e.multiplyAdds += n.madds;
  }
  groups.delete("input");
  return { params, state, multiplyAdds: madds, depth, groups: [...groups.values()] };
}

/**
 * Bytes a training step needs, estimated from the graph: weights, gradients and momentum
 * (3 x params + BN state), plus every layer's output kept for the backward pass and about as
 * much again for the gradients flowing back (2 x activations), float32.
 */
export function estimateTrainingBytes(g: IrGraph, batch: number): number {
  let activations = 0;
  let weights = 0;
  for (const n of g.nodes) {
    activations += n.shape.reduce((a, b) => a * b, 1);
    weights += 3 * n.params + n.state;
  }
  return 4 * (weights + 2 * batch * activations);
}

/** The largest batch whose estimate fits in `bytes` (0 if even one example does not). */
export function largestBatchWithin(g: IrGraph, bytes: number): number {
  const fixed = estimateTrainingBytes(g, 0);
  const perExample = estimateTrainingBytes(g, 1) - fixed;
  return Math.max(0, Math.floor((bytes - fixed) / perExample));
}
