// The fused kernels resnetc's passes lower to: names, inputs and attributes, shared by the tfjs
// target (which calls them through the engine when the current backend has them registered and
// composes stock tfjs ops otherwise: fused-ops/) and the runtime (which registers them for wasm:
// runtime/kernels/wasm/). Nothing here runs; it is the contract between the two.
import * as tf from "@tensorflow/tfjs-core";
import type { Pads } from "../../ir/types.js";

/**
 * out = relu?(conv(x, filter) + bias? + residual?), float32 NHWC, filter HWIO.
 * Inputs, in this order: x, filter, then bias [Co] if attrs.hasBias, then residual (the output's
 * shape) if attrs.hasResidual. One output. Inference only: no gradient is registered.
 */
export const FUSED_CONV_KERNEL = "ResnetcFusedConv2D";

export interface FusedConvAttrs {
  strides: [number, number];
  pad: Pads;
  dilations: [number, number];
  hasBias: boolean;
  hasResidual: boolean;
  relu: boolean;
}

/**
 * Batch normalisation in training mode with batch statistics, then optionally a residual
 * addition, then optionally ReLU:
 *   mean, variance (biased, divided by N*H*W) over N, H, W of x
 *   y = relu?(gamma * (x - mean) / sqrt(variance + epsilon) + beta + residual?)
 * Inputs, in this order: x [N,H,W,C], gamma [C], beta [C], then residual (x's shape) if
 * attrs.hasResidual. Outputs: [y, mean [C], variance [C]]. The gradient kernel
 * (BATCH_NORM_ACT_GRAD_KERNEL) gives dx, dgamma, dbeta and (with a residual) dresidual from dy of
 * y; mean and variance are for the moving averages and carry no gradient.
 */
export const BATCH_NORM_ACT_KERNEL = "ResnetcBatchNormAct";

/**
 * Inputs: dy, x, gamma, y, mean, variance (y for the ReLU mask). Outputs: [dx, dgamma, dbeta],
 * and dresidual last when attrs.hasResidual (equal to dy masked by y > 0 when relu, else dy).
 */
export const BATCH_NORM_ACT_GRAD_KERNEL = "ResnetcBatchNormActGrad";

export interface BatchNormActAttrs {
  epsilon: number;
  hasResidual: boolean;
  relu: boolean;
}

/** Whether the current backend has `kernel` registered (else the target composes stock ops). */
export function backendHas(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) != null;
}
