// The fused convolution of the tfjs target: out = relu?(conv2d(x, filter) + bias? + residual?),
// through the backend's ResnetcFusedConv2D kernel when it has one (wasm, with resnetc's runtime
// kernels registered: one pass over the output) and otherwise composed of stock tfjs ops, which
// give the same numbers up to float32 rounding. tfjs-core only: the compiler never imports the
// runtime.
import * as tf from "@tensorflow/tfjs-core";
import { FUSED_CONV_KERNEL, backendHas, type FusedConvAttrs } from "../fused-kernels.js";

/** The attributes a caller gives; hasBias and hasResidual follow from the tensors passed. */
export type FusedConvOptions = Pick<FusedConvAttrs, "strides" | "pad" | "dilations" | "relu">;

/** The per-side pads in tfjs's explicit form (NHWC). */
function explicitPad(o: FusedConvOptions): tf.backend_util.ExplicitPadding {
  const p = o.pad;
  return [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
}

/**
 * relu?(conv2d(x, filter) + bias + residual) for float32 NHWC x [N, H, W, Ci], filter
 * [KH, KW, Ci, Co], bias [Co] or null, residual (the output's shape) or null.
 */
export function fusedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  residual: tf.Tensor4D | null,
  options: FusedConvOptions,
): tf.Tensor4D {
  const attrs: FusedConvAttrs = {
    strides: options.strides,
    pad: options.pad,
    dilations: options.dilations,
    relu: options.relu,
    hasBias: bias != null,
    hasResidual: residual != null,
  };
  if (backendHas(FUSED_CONV_KERNEL)) {
    const inputs: tf.NamedTensorMap = { x, filter };
    if (bias != null) inputs.bias = bias;
    if (residual != null) inputs.residual = residual;
    return tf
      .engine()
      .runKernel(FUSED_CONV_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  return composed(x, filter, bias, residual, options);
}

/** The same from stock ops: (fused) conv2d with the bias, then add and relu. */
export function composed(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  residual: tf.Tensor4D | null,
  options: FusedConvOptions,
): tf.Tensor4D {
  return tf.tidy((): tf.Tensor4D => {
    const conv = tf.fused.conv2d({
      x,
      filter,
      strides: options.strides,
      pad: explicitPad(options),
      dilations: options.dilations,
      bias: bias ?? undefined,
      activation: options.relu && residual == null ? "relu" : "linear",
    });
    if (residual == null) return conv;
    const sum = tf.add<tf.Tensor4D>(conv, residual);
    return options.relu ? tf.relu(sum) : sum;
  });
}
