// A conv with its epilogue: resnetc's fused kernel where the current backend registers one
// (fused-kernels.ts), stock tfjs ops otherwise.
import * as tf from "@tensorflow/tfjs-core";
import type { IrNode } from "../../../ir/types.js";
import { backendHas, FUSED_CONV_KERNEL, type FusedConvAttrs } from "../fused-kernels.js";
import { epilogue } from "./fused-composite.js";
import { convOp } from "./window-ops.js";

export function fusedConv(
  n: IrNode & { op: "conv" },
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor | null,
  residual: tf.Tensor | null,
): tf.Tensor {
  const plain = (n.groups ?? 1) === 1 && (n.dilation ?? 1) === 1;
  if (plain && (bias || residual || n.relu) && backendHas(FUSED_CONV_KERNEL)) {
    const attrs: FusedConvAttrs = {
      strides: [n.stride, n.stride],
      pad: n.pad,
      dilations: [1, 1],
      hasBias: bias !== null,
      hasResidual: residual !== null,
      relu: n.relu === true,
    };
    const inputs: tf.NamedTensorMap = { x, filter: kernel };
    if (bias) inputs.bias = bias;
    if (residual) inputs.residual = residual;
    return tf
      .engine()
      .runKernel(FUSED_CONV_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return epilogue(convOp(n, x, kernel), bias, residual, n.relu === true);
}
