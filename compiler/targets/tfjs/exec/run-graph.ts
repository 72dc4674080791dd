// The tfjs executor: runs an IR graph (fused by the passes or not) with tfjs-core ops, node by
// node, up to the classifier's logits. Training and inference differ only in batch norm (batch
// statistics, reported to the caller for the moving averages, or the moving statistics), dropout
// and stochastic depth. Fused epilogues run as resnetc's fused kernels where the backend has them
// (fused-kernels.ts) and as stock ops elsewhere.
import * as tf from "@tensorflow/tfjs-core";
import { weightKey, type IrGraph, type IrNode, type WeightSlot } from "../../../ir/types.js";
import { batchNormAct } from "../fused-ops/batchnorm.js";
import { fusedConv2d } from "../fused-ops/conv.js";
import { epilogue } from "./fused-composite.js";
import { convOp, poolOp } from "./window-ops.js";

export interface RunGraphOptions {
  training: boolean;
  /** A weight by its IR key (`${node.name}.${slot}`); throws if absent. */
  weight(key: string): tf.Tensor;
  /** Batch norms that run with their moving statistics even in training (frozen ones). */
  frozen?: ReadonlySet<string>;
  /** Called in training for every batch norm with its batch statistics. */
  batchStats?(n: IrNode & { op: "bn" }, mean: tf.Tensor1D, variance: tf.Tensor1D): void;
  /** Dispose each intermediate once its last reader ran (inference; never under a tape). */
  freeEarly?: boolean;
}

/** The logits of x (the classifier's output; nodes after it, like softmax, are not run). */
export function runGraph(g: IrGraph, x: tf.Tensor4D, opts: RunGraphOptions): tf.Tensor {
  const values: (tf.Tensor | undefined)[] = [];
  const readers = new Array<number>(g.nodes.length).fill(0);
  for (const n of g.nodes) for (const i of n.inputs) readers[i]!++;
  for (const n of g.nodes) {
    if (n.id > g.logits) break;
    const ins = n.inputs.map((i) => values[i]!);
    const y = n.op === "input" ? x : nodeOp(n, ins, opts);
    // An op that passes its input through (dropout in evaluation) gets its own handle on the
    // data, so that freeing one node's value never frees another's.
    values[n.id] = n.op !== "input" && ins.includes(y) ? tf.clone(y) : y;
    if (!opts.freeEarly) continue;
    for (const i of n.inputs) {
      if (--readers[i]! === 0 && values[i] !== x && i !== g.logits) values[i]!.dispose();
    }
  }
  return values[g.logits]!;
}

function w(opts: RunGraphOptions, n: IrNode, slot: WeightSlot): tf.Tensor {
  return opts.weight(weightKey(n, slot));
}

function nodeOp(n: IrNode, ins: tf.Tensor[], opts: RunGraphOptions): tf.Tensor {
  const x = ins[0]!;
  switch (n.op) {
    case "conv":
      return conv(n, x as tf.Tensor4D, ins[1] ?? null, opts);
    case "bn":
      return batchNorm(n, x as tf.Tensor4D, ins[1] ?? null, opts);
    case "relu":
      return tf.relu(x);
    case "add":
      return tf.add(x, ins[1]!);
    case "maxpool":
    case "avgpool":
      return poolOp(n, x as tf.Tensor4D);
    case "globalavg":
      return tf.mean(x, [1, 2]);
    case "globalmax":
      return tf.max(x, [1, 2]);
    case "flatten":
      return tf.reshape(x, [x.shape[0]!, -1]);
    case "fc":
      return tf.add(
        tf.matMul(x as tf.Tensor2D, w(opts, n, "kernel") as tf.Tensor2D),
        w(opts, n, "bias"),
      );
    case "softmax":
      return tf.softmax(x);
    case "shortcutA":
      return shortcutA(x as tf.Tensor4D, n.stride, n.padChannels);
    case "se":
      return squeezeExcite(n, x as tf.Tensor4D, opts);
    case "dropout":
      return opts.training && n.rate > 0 ? tf.dropout(x, n.rate) : x;
    case "droppath":
      if (!opts.training) return tf.mul(x, 1 - n.rate);
      return n.rate > 0 ? tf.mul(tf.dropout(x, n.rate, [x.shape[0]!, 1, 1, 1]), 1 - n.rate) : x;
    case "input":
      throw new Error("internal: the input is not an op");
  }
}

/**
 * Inference: the fused conv kernel where the backend has one (it has no gradient); training, and
 * grouped or dilated convs: tf.conv2d and stock ops for the epilogue.
 */
function conv(
  n: IrNode & { op: "conv" },
  x: tf.Tensor4D,
  residual: tf.Tensor | null,
  opts: RunGraphOptions,
): tf.Tensor {
  const kernel = w(opts, n, "kernel") as tf.Tensor4D;
  const bias = n.bias ? (w(opts, n, "bias") as tf.Tensor1D) : null;
  const relu = n.relu === true;
  if (opts.training || (n.groups ?? 1) > 1 || (n.dilation ?? 1) > 1)
    return epilogue(convOp(n, x, kernel), bias, residual, relu);
  return fusedConv2d(x, kernel, bias, residual as tf.Tensor4D | null, {
    strides: [n.stride, n.stride],
    pad: n.pad,
    dilations: [1, 1],
    relu,
  });
}

function batchNorm(
  n: IrNode & { op: "bn" },
  x: tf.Tensor4D,
  residual: tf.Tensor | null,
  opts: RunGraphOptions,
): tf.Tensor {
  const [gamma, beta] = [w(opts, n, "gamma"), w(opts, n, "beta")] as tf.Tensor1D[];
  if (!opts.training || opts.frozen?.has(n.name)) {
    const normed = tf.batchNorm(
      x,
      w(opts, n, "mean"),
      w(opts, n, "variance"),
      beta,
      gamma,
      n.epsilon,
    );
    const sum = residual ? tf.add(normed, residual) : normed;
    return n.relu ? tf.relu(sum) : sum;
  }
  const { y, mean, variance } = batchNormAct(x, gamma!, beta!, residual, {
    epsilon: n.epsilon,
    relu: n.relu === true,
  });
  opts.batchStats?.(n, mean, variance);
  return y;
}

/**
 * Option A: x[:, ::s, ::s, :] (a 1x1 average pool with the stride, as the layers model does: its
 * gradient exists on every backend) with zero channels appended.
 */
function shortcutA(x: tf.Tensor4D, stride: number, padChannels: number): tf.Tensor {
  const sub = stride > 1 ? tf.avgPool(x, 1, stride, "valid") : x;
  return padChannels > 0
    ? tf.pad(sub, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, padChannels],
      ])
    : sub;
}

function squeezeExcite(n: IrNode & { op: "se" }, x: tf.Tensor4D, opts: RunGraphOptions) {
  const dense = (v: tf.Tensor, fc: "fc1" | "fc2") =>
    tf.add(
      tf.matMul(v as tf.Tensor2D, w(opts, n, `${fc}_kernel`) as tf.Tensor2D),
      w(opts, n, `${fc}_bias`),
    );
  const h = tf.relu(dense(tf.mean(x, [1, 2]), "fc1"));
  const gate = tf.sigmoid(dense(h, "fc2"));
  return tf.mul(x, tf.reshape(gate, [x.shape[0], 1, 1, x.shape[3]]));
}
