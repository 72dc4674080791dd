// Counts over a graph, computed from its ops and shapes (never stored by hand on nodes):
// trainable parameters, multiply-adds (conv and fc only, the paper's "FLOPs"), depth (weighted
// layers on the main path), per-group totals, and the memory a training step needs.
import type { IrGraph, IrNode } from "./types.js";

export interface NodeCounts {
  /** Trainable parameters (conv kernels and biases, BN gamma/beta, fc and SE weights and biases). */
  params: number;
  /** Non-trainable state (BN moving mean and variance). */
  state: number;
  /** Multiply-adds at the model's input size. */
  madds: number;
  /** Counts towards depth: a conv or fc on the main path. */
  weighted: boolean;
}

const NONE: NodeCounts = { params: 0, state: 0, madds: 0, weighted: false };

/** The channels (or vector length) a node receives. */
function inChannels(g: IrGraph, n: IrNode): number {
  const s = g.nodes[n.inputs[0]!]!.shape;
  return s[s.length - 1]!;
}

export function nodeCounts(g: IrGraph, n: IrNode): NodeCounts {
  switch (n.op) {
    case "conv": {
      const taps = (n.kernel[0] * n.kernel[1] * inChannels(g, n) * n.filters) / (n.groups ?? 1);
      return {
        params: taps + (n.bias ? n.filters : 0),
        state: 0,
        madds: n.shape[0]! * n.shape[1]! * taps,
        weighted: n.branch === "main",
      };
    }
    case "bn": {
      const c = n.shape[n.shape.length - 1]!;
      return { params: 2 * c, state: 2 * c, madds: 0, weighted: false };
    }
    case "fc": {
      const i = inChannels(g, n);
      return {
        params: i * n.units + n.units,
        state: 0,
        madds: i * n.units,
        weighted: n.branch === "main",
      };
    }
    case "se": {
      // Two fully connected layers with biases on the pooled vector (not counted in depth).
      const c = n.shape[n.shape.length - 1]!;
      return {
        params: 2 * c * n.hidden + n.hidden + c,
        state: 0,
        madds: 2 * c * n.hidden,
        weighted: false,
      };
    }
    default:
      return NONE;
  }
}

export interface GroupCounts {
  name: string;
  params: number;
  multiplyAdds: number;
}

export interface Analysis {
  params: number;
  /** BN moving mean/variance: state, not trainable (tfjs countParams() includes them). */
  state: number;
  multiplyAdds: number;
  depth: number;
  groups: GroupCounts[];
  /** Per node, by id. */
  nodes: NodeCounts[];
}

export function analyze(g: IrGraph): Analysis {
  const groups = new Map<string, GroupCounts>();
  const a: Analysis = { params: 0, state: 0, multiplyAdds: 0, depth: 0, groups: [], nodes: [] };
  for (const n of g.nodes) {
    const c = nodeCounts(g, n);
    a.nodes[n.id] = c;
    a.params += c.params;
    a.state += c.state;
    a.multiplyAdds += c.madds;
    if (c.weighted) a.depth++;
    let e = groups.get(n.group);
    if (!e) groups.set(n.group, (e = { name: n.group, params: 0, multiplyAdds: 0 }));
    e.params += c.params;
    e.multiplyAdds += c.madds;
  }
  groups.delete("input");
  a.groups = [...groups.values()];
  return a;
}

/**
 * Bytes a training step needs, estimated from the graph: weights, gradients and momentum
 * (3 x params + BN state), plus every layer's output kept for the backward pass and about as
 * much again for the gradients flowing back (2 x activations), float32.
 */
export function estimateTrainingBytes(g: IrGraph, batch: number): number {
  let activations = 0;
  let weights = 0;
  const a = analyze(g);
  for (const n of g.nodes) {
    activations += n.shape.reduce((x, y) => x * y, 1);
    weights += 3 * a.nodes[n.id]!.params + a.nodes[n.id]!.state;
  }
  return 4 * (weights + 2 * batch * activations);
}

/** The largest batch whose estimate fits in `bytes` (0 if even one example does not). */
export function largestBatchWithin(g: IrGraph, bytes: number): number {
  const fixed = estimateTrainingBytes(g, 0);
  const perExample = estimateTrainingBytes(g, 1) - fixed;
  return Math.max(0, Math.floor((bytes - fixed) / perExample));
}
