// Convolution and pooling with the IR's explicit per-side padding, in standard tfjs layers (a
// grouped or dilated convolution in the target's one custom layer, grouped-conv.ts):
//   no padding                  -> padding "valid"
//   exactly TensorFlow's `same`   -> padding "same" (no copy; stride-1 3x3 layers land here)
//   anything else (symmetric padding at stride 2, `pad P`) -> ZeroPadding2D, then "valid"
// Max pooling must not let a padded cell win over negative inputs, so it pads by repeating the
// edge rows and columns (Cropping2D + Concatenate): each padded cell copies a real cell of the
// same window, which equals PyTorch's -inf padding whenever the padding is smaller than the window.
import * as tfl from "@tensorflow/tfjs-layers";
import { effectiveKernel, samePads } from "../../ir/padding.js";
import { GroupedConv2D } from "./grouped-conv.js";
import { isZeroPads, padsEqual, type IrNode, type Pads } from "../../ir/types.js";
import type { Init } from "./lower.js";

type Sym = tfl.SymbolicTensor;
type WindowNode = IrNode & { op: "conv" | "maxpool" | "avgpool" };

export function windowLayers(n: WindowNode, name: string, inShape: number[], init: Init) {
  const k = n.op === "conv" ? effectiveKernel(n.kernel, n.dilation ?? 1) : n.pool;
  const same = padsEqual(n.pad, samePads(inShape[0]!, inShape[1]!, k, n.stride));
  const zero = isZeroPads(n.pad);
  const mode: "valid" | "same" = zero ? "valid" : same ? "same" : "valid";
  const explicit = !zero && !same;
  const make = (padding: "valid" | "same"): tfl.layers.Layer => {
    // tfjs-layers' Conv2D trains through fused.conv2d, whose gradient refuses dilation: grouped
    // and dilated convolutions use resnetc's layer (plain tf.conv2d, registered gradients).
    if (n.op === "conv" && ((n.groups ?? 1) > 1 || (n.dilation ?? 1) > 1))
      return new GroupedConv2D({
        name,
        filters: n.filters,
        kernelSize: n.kernel,
        strides: n.stride,
        padding,
        dilationRate: n.dilation ?? 1,
        groups: n.groups ?? 1,
        useBias: n.bias,
        kernelInitializer: init(),
      });
    if (n.op === "conv")
      return tfl.layers.conv2d({
        dilationRate: n.dilation ?? 1,
        name,
        filters: n.filters,
        kernelSize: n.kernel,
        strides: n.stride,
        padding,
        useBias: n.bias,
        kernelInitializer: init(),
      });
    const args = { name, poolSize: n.pool, strides: n.stride, padding };
    return n.op === "maxpool" ? tfl.layers.maxPooling2d(args) : tfl.layers.averagePooling2d(args);
  };
  if (n.op === "avgpool" && !n.countPad && explicit)
    throw new Error(
      `internal: ${n.name}: average pooling that leaves padded cells out is only TensorFlow's same`,
    );
  if (n.op === "avgpool" && n.countPad && same && !zero)
    return (x: Sym) => make("valid").apply(zeroPad(x, name, n.pad)) as Sym;
  if (!explicit) return (x: Sym) => make(mode).apply(x) as Sym;
  if (n.op === "maxpool")
    return (x: Sym) => make("valid").apply(edgePad(x, name, n.pad, inShape)) as Sym;
  return (x: Sym) => make("valid").apply(zeroPad(x, name, n.pad)) as Sym;
}

function zeroPad(x: Sym, name: string, p: Pads): Sym {
  const layer = tfl.layers.zeroPadding2d({
    name: `${name}_pad`,
    padding: [
      [p.top, p.bottom],
      [p.left, p.right],
    ],
  });
  return layer.apply(x) as Sym;
}

/** Repeats the first/last rows and columns: top/bottom on axis 1, then left/right on axis 2. */
function edgePad(x: Sym, name: string, p: Pads, inShape: number[]): Sym {
  const [h, w] = inShape as [number, number];
  const rows = repeatEdges(x, `${name}_pad_rows`, 1, h, w, p.top, p.bottom);
  return repeatEdges(rows, `${name}_pad`, 2, h + p.top + p.bottom, w, p.left, p.right);
}

function repeatEdges(
  x: Sym,
  name: string,
  axis: 1 | 2,
  h: number,
  w: number,
  before: number,
  after: number,
): Sym {
  if (before === 0 && after === 0) return x;
  const len = axis === 1 ? h : w;
  const crop = (from: number, label: string): Sym => {
    const keep: [number, number] = [from, len - 1 - from];
    const cropping: [[number, number], [number, number]] =
      axis === 1 ? [keep, [0, 0]] : [[0, 0], keep];
    return tfl.layers.cropping2D({ name: `${name}_${label}`, cropping }).apply(x) as Sym;
  };
  const parts: Sym[] = [];
  if (before) {
    const first = crop(0, "first");
    for (let i = 0; i < before; i++) parts.push(first);
  }
  parts.push(x);
  if (after) {
    const last = crop(len - 1, "last");
    for (let i = 0; i < after; i++) parts.push(last);
  }
  return tfl.layers.concatenate({ name, axis }).apply(parts) as Sym;
}
