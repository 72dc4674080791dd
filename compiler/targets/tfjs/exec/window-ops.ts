// The window ops of the IR in tfjs-core ops, with its explicit per-side padding: tfjs' `same`
// where the pads are exactly TensorFlow's, `valid` where there are none, and otherwise an explicit
// pad (zeros for convolutions and average pooling that counts padded cells, -inf for max pooling,
// where a padded cell never wins).
import * as tf from "@tensorflow/tfjs-core";
import { effectiveKernel, samePads } from "../../../ir/padding.js";
import { isZeroPads, padsEqual, type IrNode, type Pads } from "../../../ir/types.js";
import { groupedConv2d } from "../grouped-conv.js";

type Mode = "valid" | "same" | "explicit";

function mode(pad: Pads, x: tf.Tensor4D, k: [number, number], stride: number): Mode {
  if (isZeroPads(pad)) return "valid";
  return padsEqual(pad, samePads(x.shape[1], x.shape[2], k, stride)) ? "same" : "explicit";
}

function padded(x: tf.Tensor4D, p: Pads, value: number): tf.Tensor4D {
  return tf.pad(
    x,
    [
      [0, 0],
      [p.top, p.bottom],
      [p.left, p.right],
      [0, 0],
    ],
    value,
  );
}

/** conv(x, kernel) with the node's stride, dilation, groups and per-side padding (no bias). */
export function convOp(
  n: IrNode & { op: "conv" },
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
): tf.Tensor4D {
  const dilation = n.dilation ?? 1;
  const m = mode(n.pad, x, effectiveKernel(n.kernel, dilation), n.stride);
  const input = m === "explicit" ? padded(x, n.pad, 0) : x;
  return groupedConv2d(
    input,
    kernel,
    n.groups ?? 1,
    n.stride,
    m === "same" ? "same" : "valid",
    dilation,
  );
}

export function poolOp(n: IrNode & { op: "maxpool" | "avgpool" }, x: tf.Tensor4D): tf.Tensor4D {
  const m = mode(n.pad, x, n.pool, n.stride);
  if (n.op === "maxpool") {
    const input = m === "explicit" ? padded(x, n.pad, -Infinity) : x;
    return tf.maxPool(input, n.pool, n.stride, m === "same" ? "same" : "valid");
  }
  // TensorFlow's `same` leaves padded cells out of the divisor; every other padding counts them.
  if (m === "same" && !n.countPad) return tf.avgPool(x, n.pool, n.stride, "same");
  if (m !== "valid" && !n.countPad)
    throw new Error(`internal: ${n.name}: average pooling without padded cells is only TF's same`);
  return tf.avgPool(m === "valid" ? x : padded(x, n.pad, 0), n.pool, n.stride, "valid");
}
