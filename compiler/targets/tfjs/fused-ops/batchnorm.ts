// Batch norm in training mode (batch statistics), then an optional residual addition, then an
// optional ReLU: one fused kernel where the backend has it (ResnetcBatchNormAct, registered for
// wasm by the runtime, with its gradient), stock tfjs ops everywhere else (their autodiff gives
// the gradient). Both compute the contract in ../fused-kernels.ts.
import * as tf from "@tensorflow/tfjs-core";
import { BATCH_NORM_ACT_KERNEL, backendHas, type BatchNormActAttrs } from "../fused-kernels.js";

export interface BatchNormActOptions {
  epsilon: number;
  relu: boolean;
}

export interface BatchNormActResult {
  /** relu?(gamma * (x - mean) / sqrt(variance + epsilon) + beta + residual?) */
  y: tf.Tensor;
  /** Per channel over every other axis; for the moving averages (no gradient through the kernel). */
  mean: tf.Tensor1D;
  /** Biased (divided by the count), per channel. */
  variance: tf.Tensor1D;
}

/**
 * Normalises x (channels last) with its own batch statistics: y, and the mean and biased variance
 * it used. gamma and beta are [C]; residual, when given, has x's shape.
 */
export function batchNormAct(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  residual: tf.Tensor | null,
  options: BatchNormActOptions,
): BatchNormActResult {
  if (backendHas(BATCH_NORM_ACT_KERNEL)) return fused(x, gamma, beta, residual, options);
  return batchNormActStock(x, gamma, beta, residual, options);
}

/** batchNormAct in stock tfjs ops (moments, batchNorm, add, relu), on any backend. */
export function batchNormActStock(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  residual: tf.Tensor | null,
  options: BatchNormActOptions,
): BatchNormActResult {
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    let y = tf.batchNorm(x, mean, variance, beta, gamma, options.epsilon);
    if (residual != null) y = tf.add(y, residual);
    if (options.relu) y = tf.relu(y);
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}

function fused(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  residual: tf.Tensor | null,
  { epsilon, relu }: BatchNormActOptions,
): BatchNormActResult {
  const attrs: BatchNormActAttrs = { epsilon, relu, hasResidual: residual != null };
  const inputs: tf.NamedTensorMap = { x, gamma, beta };
  if (residual != null) inputs.residual = residual;
  const [y, mean, variance] = tf
    .engine()
    .runKernel(BATCH_NORM_ACT_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
