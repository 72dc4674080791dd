// Loss and error counts computed from logits.
import * as tf from "@tensorflow/tfjs-core";

import {
  SOFTMAX_CE_KERNEL,
  softmaxCrossEntropyKernelAvailable,
} from "../kernels/wasm/softmax_ce.js";

/**
 * Mean softmax cross-entropy of `logits` [n, k] against class ids `labels` [n] (int32), computed stably
 * as -mean(logSoftmax(logits)[label]).
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[logits.shape.length - 1]!;
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    const onehot = tf.oneHot(labels as tf.Tensor1D, k);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), -1))) as tf.Scalar;
  });
}

/**
 * The training loss (as softmaxCrossEntropy) and, where the backend has the fused kernel (wasm,
 * cpu: runtime/kernels/wasm/softmax_ce.ts), the batch's top-1 errors from the same pass, kept
 * (int32 scalar; the caller disposes it); elsewhere, or with labels that are not int32, the op
 * path and errors null. For use inside tf.variableGrads.
 */
export function trainingLoss(
  logits: tf.Tensor,
  labels: tf.Tensor,
): { loss: tf.Scalar; errors: tf.Scalar | null } {
  if (!softmaxCrossEntropyKernelAvailable() || labels.dtype !== "int32" || logits.rank !== 2) {
    return { loss: softmaxCrossEntropy(logits, labels), errors: null };
  }
  const [loss, probs, errors] = tf
    .engine()
    .runKernel(SOFTMAX_CE_KERNEL, { logits, labels }) as tf.Tensor[];
  probs!.dispose();
  return { loss: loss as tf.Scalar, errors: tf.keep(errors as tf.Scalar) };
}

/**
 * Number of examples whose label is not among the `k` highest logits (k = 1: argmax errors).
 * Read asynchronously: GPU backends (webgpu under Node.js) cannot read tensors synchronously.
 */
export async function countTopKErrors(
  logits: tf.Tensor,
  labels: tf.Tensor,
  k: number,
): Promise<number> {
  const classes = logits.shape[logits.shape.length - 1]!;
  const n = logits.shape[0]!;
  if (k >= classes) return 0;
  const wrong = tf.tidy(() => {
    const y = tf.cast(labels, "int32");
    if (k === 1) return tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, -1), y), "int32"));
    const { indices } = tf.topk(logits, k, true);
    const hit = tf.any(tf.equal(indices, tf.reshape(y, [n, 1])), -1);
    return tf.sub(n, tf.sum(tf.cast(hit, "int32")));
  });
  try {
    return (await wrong.data())[0] as number;
  } finally {
    wrong.dispose();
  }
}
