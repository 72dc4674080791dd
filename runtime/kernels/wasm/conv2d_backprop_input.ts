// Conv2DBackpropInput for the wasm backend, replacing tfjs-backend-wasm 4.22's own kernel, which
// is a scalar C++ loop (about half of a ResNet training step on wasm was spent there).
//
// When Ci is a multiple of 4 it runs as a direct SIMD convolution (conv_direct.ts, which also
// handles strides without inserting zeros). Otherwise, the route below:
//
// The input gradient of a convolution is the "full" convolution of the output gradient with the
// spatially flipped filter whose in/out channels are swapped; with a stride s, dy first gets s-1
// zeros inserted between its pixels:
//
//   dyZ[n, oh*s, ow*s, co] = dy[n, oh, ow, co]            [N, (OH-1)*s+1, (OW-1)*s+1, Co]
//   wF[kh, kw, co, ci]     = W[KH-1-kh, KW-1-kw, ci, co]   [KH, KW, Co, Ci]
//   dx = conv2d(dyZ, wF, stride 1, pads top = KH-1-padTop, left = KW-1-padLeft and the
//        bottom/right that make the output H x W)           [N, H, W, Ci]
//
// so it runs on the backend's XNNPACK Conv2D. Zero insertion and the filter flip are plain
// copies on the wasm heap. A negative pad (a forward pad larger than the kernel) crops instead.
// Channels-first (NCHW) data, which the ResNets here never use, goes to the original kernel.

import * as tf from "@tensorflow/tfjs-core";
import { conv2dBackpropInputDirectOrNull, inputGradInfo } from "./conv_direct.js";
import { callOriginal, wasmKernelConfig, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import {
  asWasmBackend,
  index32,
  release,
  runWasmKernel,
  type WasmBackendLike,
} from "./wasm_heap.js";

/** Inserts s-1 zero rows/columns between the pixels of an NHWC float32 tensor. */
function zeroInsert(backend: WasmBackendLike, dy: tf.TensorInfo, sh: number, sw: number) {
  const [n, oh, ow, c] = dy.shape;
  const hz = (oh - 1) * sh + 1;
  const wz = (ow - 1) * sw + 1;
  const out = backend.makeOutput([n, hz, wz, c], "float32");
  const heap = backend.wasm.HEAPF32; // after the allocation, which may grow the heap
  const src = index32(backend, dy);
  const dst = index32(backend, out);
  heap.fill(0, dst, dst + n * hz * wz * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const srcRow = src + (b * oh + i) * ow * c;
      const dstRow = dst + (b * hz + i * sh) * wz * c;
      if (sw === 1) {
        heap.copyWithin(dstRow, srcRow, srcRow + ow * c);
      } else {
        for (let j = 0; j < ow; j++) {
          const s = srcRow + j * c;
          heap.copyWithin(dstRow + j * sw * c, s, s + c);
        }
      }
    }
  }
  return out;
}

/** W[KH, KW, Ci, Co] -> flipped in space and transposed in channels, [KH, KW, Co, Ci]. */
function flipFilter(backend: WasmBackendLike, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], "float32");
  const heap = backend.wasm.HEAPF32;
  const src = index32(backend, filter);
  const dst = index32(backend, out);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      const s = src + ((kh - 1 - y) * kw + (kw - 1 - x)) * ci * co;
      const d = dst + (y * kw + x) * co * ci;
      for (let i = 0; i < ci; i++) {
        const si = s + i * co;
        for (let o = 0; o < co; o++) heap[d + o * ci + i] = heap[si + o];
      }
    }
  }
  return out;
}

function conv2dBackpropInputNHWC(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.Conv2DBackpropInputAttrs,
): tf.TensorInfo {
  const direct = conv2dBackpropInputDirectOrNull(backend, dy, filter, attrs);
  if (direct != null) return direct;
  traceRoute(tf.Conv2DBackpropInput, "xnnpack");
  const info = inputGradInfo(attrs, filter);
  const [kh, kw] = filter.shape;
  const [n, h, w, ci] = attrs.inputShape;
  const [, oh, ow] = dy.shape;
  const { strideHeight: sh, strideWidth: sw } = info;
  const hz = (oh - 1) * sh + 1;
  const wz = (ow - 1) * sw + 1;
  let top = kh - 1 - info.padInfo.top;
  let left = kw - 1 - info.padInfo.left;
  let bottom = h + kh - 1 - hz - top;
  let right = w + kw - 1 - wz - left;

  let src: tf.TensorInfo = dy;
  const temps: tf.TensorInfo[] = [];
  if (sh > 1 || sw > 1) {
    src = zeroInsert(backend, dy, sh, sw);
    temps.push(src);
  }
  if (top < 0 || left < 0 || bottom < 0 || right < 0) {
    // Pads larger than the kernel in the forward conv: those dy rows/columns see no input pixel.
    const t0 = Math.max(-top, 0);
    const l0 = Math.max(-left, 0);
    const size = [n, hz - t0 - Math.max(-bottom, 0), wz - l0 - Math.max(-right, 0), dy.shape[3]];
    if (size[1] <= 0 || size[2] <= 0) {
      // Nothing of the input was ever read: the gradient is zero.
      release(backend, ...temps);
      const zero = backend.makeOutput([n, h, w, ci], "float32");
      const i0 = index32(backend, zero);
      backend.wasm.HEAPF32.fill(0, i0, i0 + n * h * w * ci);
      return zero;
    }
    const sliced = runWasmKernel(backend, "Slice", { x: src }, { begin: [0, t0, l0, 0], size });
    temps.push(sliced);
    src = sliced;
    top = Math.max(top, 0);
    left = Math.max(left, 0);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const wF = flipFilter(backend, filter);
  temps.push(wF);
  try {
    const dx = runWasmKernel(
      backend,
      "Conv2D",
      { x: src, filter: wF },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: "NHWC",
        dilations: [1, 1],
        dimRoundingMode: undefined as unknown as string,
      },
    );
    if (dx.shape[1] !== h || dx.shape[2] !== w || dx.shape[3] !== ci) {
      release(backend, dx);
      throw new Error(`resnetc Conv2DBackpropInput: internal shape mismatch ${dx.shape}`);
    }
    return dx;
  } finally {
    release(backend, ...temps);
  }
}

/** Builds the kernel; `original` is the backend's own kernel, kept for NCHW. */
export function makeConv2dBackpropInputConfig(original: tf.KernelConfig | undefined) {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    if (attrs.dataFormat === "NCHW") {
      if (original == null) throw new Error("resnetc Conv2DBackpropInput: NCHW is not supported");
      return callOriginal(original, tf.Conv2DBackpropInput, args);
    }
    return conv2dBackpropInputNHWC(asWasmBackend(args.backend), dy, filter, attrs);
  };
  // The original kernel's setup binds its C function; wasmKernelConfig keeps it for the NCHW path.
  return wasmKernelConfig(tf.Conv2DBackpropInput, original, kernelFunc);
}
