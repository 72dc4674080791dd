// Conv2DBackpropFilter for the wasm backend, which tfjs-backend-wasm 4.22 does not have at all
// (training any conv net there fails with "Kernel 'Conv2DBackpropFilter' not registered").
//
// The filter gradient of a convolution is itself a convolution, so it runs on the backend's
// XNNPACK Conv2D instead of a scalar loop:
//
//   dW[kh, kw, ci, co] = sum over n, oh, ow of  x[n, oh*s + kh - padTop, ow*s + kw - padLeft, ci]
//                                               * dy[n, oh, ow, co]
//
// Read with ci as the batch, the image batch n as the input channels, and dy as a filter of
// size OH x OW dilated by the stride s, this is a stride-1 convolution:
//
//   xT  = transpose(x,  [3, 1, 2, 0])      [Ci, H, W, N]
//   dyT = transpose(dy, [1, 2, 0, 3])      [OH, OW, N, Co]   (the "filter")
//   out = conv2d(xT, dyT, stride 1, dilation s, pads top/left of the forward conv and the
//         bottom/right that make the output exactly KH x KW)          [Ci, KH, KW, Co]
//   dW  = transpose(out, [1, 2, 0, 3])     [KH, KW, Ci, Co]
//
// When the forward conv dropped trailing rows/columns ('valid' with a stride that does not divide
// the input), the needed bottom/right pad is negative: x is cropped instead.

import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, release, runWasmKernel, type WasmBackendLike } from "./wasm_heap.js";

function conv2dBackpropFilterNHWC(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.TensorInfo {
  const [kh, kw, ci, co] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let bottom = kh + (oh - 1) * sh - h - top;
  let right = kw + (ow - 1) * sw - w - left;

  // Crop x when the forward conv never read its last rows/columns.
  let xc: tf.TensorInfo = x;
  let cropped: tf.TensorInfo | null = null;
  if (bottom < 0 || right < 0) {
    const hh = bottom < 0 ? h + bottom : h;
    const ww = right < 0 ? w + right : w;
    cropped = runWasmKernel(
      backend,
      "Slice",
      { x },
      { begin: [0, 0, 0, 0], size: [n, hh, ww, ci] },
    );
    xc = cropped;
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const xT = runWasmKernel(backend, "Transpose", { x: xc }, { perm: [3, 1, 2, 0] });
  release(backend, cropped);
  const dyT = runWasmKernel(backend, "Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
  const out = runWasmKernel(
    backend,
    "Conv2D",
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: "NHWC",
      dilations: [sh, sw],
      dimRoundingMode: undefined as unknown as string,
    },
  );
  release(backend, xT, dyT);
  if (out.shape[0] !== ci || out.shape[1] !== kh || out.shape[2] !== kw || out.shape[3] !== co) {
    release(backend, out);
    throw new Error(
      `resnetc Conv2DBackpropFilter: internal shape mismatch ${out.shape} vs ${[ci, kh, kw, co]}`,
    );
  }
  const dw = runWasmKernel(backend, "Transpose", { x: out }, { perm: [1, 2, 0, 3] });
  release(backend, out);
  return dw;
}

export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat !== "NCHW") return conv2dBackpropFilterNHWC(backend, x, dy, attrs);
  // channels-first: move channels last, then the filter layout is the same.
  const perm = { perm: [0, 2, 3, 1] };
  const xl = runWasmKernel(backend, "Transpose", { x }, perm);
  const dyl = runWasmKernel(backend, "Transpose", { x: dy }, perm);
  try {
    return conv2dBackpropFilterNHWC(backend, xl, dyl, { ...attrs, dataFormat: "NHWC" });
  } finally {
    release(backend, xl, dyl);
  }
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
