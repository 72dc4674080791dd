// Conv2DBackpropFilter for the wasm backend, which tfjs-backend-wasm 4.22 does not have at all
// (training any conv net there fails with "Kernel 'Conv2DBackpropFilter' not registered").
//
//   dW[kh, kw, ci, co] = sum over n, oh, ow of  x[n, oh*s + kh - padTop, ow*s + kw - padLeft, ci]
//                                               * dy[n, oh, ow, co]
//
// When Co is a multiple of 4 (every ResNet layer) this runs directly in resnetc's SIMD module
// (the "direct route" below, 3-4x faster than the XNNPACK route; 3x3 stride-1 filters with Ci a
// multiple of 4 by Winograd F(2x2, 3x3), winograd.ts, faster again). Otherwise: the filter gradient
// of a convolution is itself a convolution, so it runs on the backend's XNNPACK Conv2D instead of
// a scalar loop. Read with ci as the batch, the image batch n as the input channels, and dy as a
// filter of size OH x OW dilated by the stride s, this is a stride-1 convolution:
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
import { internalsOk, INTERNALS_DIFFER_ROUTE } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import { convLoops, fmaRoute, type ConvLoops } from "./conv_module.js";
import { accumulateOuter } from "./simd_module.js";
import { winogradFilterGrad3x3, winogradFits } from "./winograd.js";
import {
  asWasmBackend,
  index32,
  offsetOf,
  release,
  runWasmKernel,
  type WasmBackendLike,
} from "./wasm_heap.js";

/**
 * The direct route, used when Co is a multiple of 4 (float32, channels last): for each image and
 * each tap (kh, kw), the rows oh and columns ow whose input pixel (oh*s + kh - padTop,
 * ow*s + kw - padLeft) is inside x form a rectangle, and
 *
 *   dW[kh, kw, ci, co] += sum over that rectangle of x[n, ih, iw, ci] * dy[n, oh, ow, co]
 *
 * runs in resnetc's SIMD module with a block of ci x co sums held in registers over the image.
 * One image of x and dy (64 KiB each for a CIFAR ResNet's first stage) stays in cache while its
 * nine taps run. No transposes, no packed copy of dy (the XNNPACK route below spends about half
 * as long packing dy as a "filter" as it does computing, plus the transposes).
 */
function conv2dBackpropFilterDirect(
  backend: WasmBackendLike,
  loops: ConvLoops,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  if (kh === 3 && kw === 3 && sh === 1 && sw === 1 && ci % 4 === 0 && winogradFits(n, oh, ow, ci)) {
    traceRoute(tf.Conv2DBackpropFilter, fmaRoute("winograd", loops));
    return winogradFilterGrad3x3(backend, loops, x, dy, top, left);
  }
  traceRoute(tf.Conv2DBackpropFilter, fmaRoute("direct", loops));
  const dw = backend.makeOutput([kh, kw, ci, co], "float32");
  const heap = backend.wasm.HEAPF32;
  const d0 = index32(backend, dw);
  heap.fill(0, d0, d0 + kh * kw * ci * co);
  if (n * oh * ow === 0) return dw;
  const xOff = offsetOf(backend, x);
  const dyOff = offsetOf(backend, dy);
  const dwOff = offsetOf(backend, dw);
  // The valid range [first, last] of an output index for a tap: 0 <= o*s + k - pad < size.
  const range = (k: number, pad: number, s: number, size: number, out: number) => {
    const first = Math.max(0, Math.ceil((pad - k) / s));
    const last = Math.min(out - 1, Math.floor((size - 1 + pad - k) / s));
    return [first, last - first + 1];
  };
  const xRowStride = sh * w * ci * 4;
  const xColStride = sw * ci * 4;
  const dyRowStride = ow * co * 4;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < kh; y++) {
      const [oh0, rows] = range(y, top, sh, h, oh);
      if (rows <= 0) continue;
      for (let z = 0; z < kw; z++) {
        const [ow0, cols] = range(z, left, sw, w, ow);
        if (cols <= 0) continue;
        const ih0 = oh0 * sh + y - top;
        const iw0 = ow0 * sw + z - left;
        const xb = xOff + ((b * h + ih0) * w + iw0) * ci * 4;
        const db = dyOff + ((b * oh + oh0) * ow + ow0) * co * 4;
        const acc = dwOff + (y * kw + z) * ci * co * 4;
        accumulateOuter(
          loops,
          xb,
          db,
          acc,
          rows,
          cols,
          xRowStride,
          xColStride,
          dyRowStride,
          ci,
          co,
        );
      }
    }
  }
  return dw;
}

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
  const ok = internalsOk(backend);
  const loops = ok && co % 4 === 0 && x.dtype === "float32" ? convLoops(backend.wasm) : null;
  if (loops != null) return conv2dBackpropFilterDirect(backend, loops, x, dy, info);
  traceRoute(tf.Conv2DBackpropFilter, ok ? "xnnpack" : `xnnpack, ${INTERNALS_DIFFER_ROUTE}`);
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
