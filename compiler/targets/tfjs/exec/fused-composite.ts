// Stock-op compositions of the fused epilogues, for backends without resnetc's fused kernels:
// the same numbers from tfjs-core ops, differentiable by tfjs' own gradients.
import * as tf from "@tensorflow/tfjs-core";

/** relu?(y + bias? + residual?) */
export function epilogue(
  y: tf.Tensor,
  bias: tf.Tensor | null,
  residual: tf.Tensor | null,
  relu: boolean,
): tf.Tensor {
  let out = bias ? tf.add(y, bias) : y;
  if (residual) out = tf.add(out, residual);
  return relu ? tf.relu(out) : out;
}
