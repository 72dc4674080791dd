// Inference pass: a batch norm right after a convolution (and read by nothing else) is folded
// into the convolution's kernel and a bias: y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta.
// Needs the weights bound to the IR; a pair without them is left as it is.
import { cloneGraph, removeNodes, replaceUses, usersOf } from "../ir/edit.js";
import { weightKey, type IrGraph, type IrNode, type WeightTensor } from "../ir/types.js";
import type { Pass } from "./index.js";

export const foldBatchNorm: Pass = {
  name: "fold-batchnorm",
  summary: "folds each conv's batch norm into its kernel and a bias (inference, weights bound)",
  run: (g) => foldAll(g, false),
};

/**
 * The same rewrite without weights: the structure of a model saved folded (`resnetc build
 * --fold`), whose convs already hold the folded kernels and biases.
 */
export function foldedStructure(g: IrGraph): IrGraph {
  return foldAll(g, true);
}

function foldAll(input: IrGraph, structureOnly: boolean): IrGraph {
  const g = cloneGraph(input);
  const remove = new Set<number>();
  for (const bn of g.nodes) {
    if (bn.op !== "bn") continue;
    const conv = g.nodes[bn.inputs[0]!]!;
    if (conv.op !== "conv" || usersOf(g, conv.id).length !== 1) continue;
    if (!structureOnly) {
      const folded = fold(g, conv, bn);
      if (!folded) continue;
      g.weights.set(weightKey(conv, "kernel"), folded.kernel);
      g.weights.set(weightKey(conv, "bias"), folded.bias);
    }
    for (const s of ["gamma", "beta", "mean", "variance"] as const)
      g.weights.delete(weightKey(bn, s));
    conv.bias = true;
    replaceUses(g, bn.id, conv.id);
    remove.add(bn.id);
  }
  return remove.size ? removeNodes(g, remove) : g;
}

function fold(
  g: IrGraph,
  conv: IrNode & { op: "conv" },
  bn: IrNode & { op: "bn" },
): { kernel: WeightTensor; bias: WeightTensor } | null {
  const w = (n: IrNode, s: Parameters<typeof weightKey>[1]) => g.weights.get(weightKey(n, s));
  const kernel = w(conv, "kernel");
  const [gamma, beta, mean, variance] = (["gamma", "beta", "mean", "variance"] as const).map((s) =>
    w(bn, s),
  );
  if (!kernel || !gamma || !beta || !mean || !variance) return null;
  const c = conv.filters;
  const oldBias = conv.bias ? w(conv, "bias") : undefined;
  if (conv.bias && !oldBias) return null;
  const scale = new Float32Array(c);
  const bias = new Float32Array(c);
  for (let o = 0; o < c; o++) {
    scale[o] = gamma.data[o]! / Math.sqrt(variance.data[o]! + bn.epsilon);
    bias[o] = beta.data[o]! + ((oldBias?.data[o] ?? 0) - mean.data[o]!) * scale[o]!;
  }
  // HWIO: the output channel is the fastest axis.
  const k = new Float32Array(kernel.data.length);
  for (let i = 0; i < k.length; i++) k[i] = kernel.data[i]! * scale[i % c]!;
  return { kernel: { shape: kernel.shape, data: k }, bias: { shape: [c], data: bias } };
}
