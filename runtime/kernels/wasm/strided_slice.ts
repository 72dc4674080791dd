// StridedSlice and Slice for the wasm backend. StridedSlice replaces tfjs-backend-wasm 4.22's kernel, which walks every
// output element through generic index arithmetic: ResNet's option-A shortcut, x[:, ::2, ::2, :]
// on a [64,32,32,16] activation, took ~20 ms there, longer than the convolution beside it.
//
// This one copies runs: the trailing axes the slice takes whole form one contiguous block per
// step of the last strided axis, moved with copyWithin (memmove). It implements TensorFlow's
// semantics through tfjs's own slice_util.sliceInfo (masks, ellipsis, new and shrunk axes,
// negative strides); the output's data order is the dense slice's, final shape only re-labels it.

import * as tf from "@tensorflow/tfjs-core";
import { callOriginal, wasmKernelConfig, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import { asWasmBackend, offsetOf, type WasmBackendLike } from "./wasm_heap.js";

/**
 * Copies the elements of x at begin[i] + k*strides[i], k < sizes[i] on every axis, in row-major
 * order, into a new tensor of shape `outShape` (same element count).
 */
export function copyStridedRegion(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: number[],
  sizes: number[],
  strides: number[],
  outShape: number[],
): tf.TensorInfo {
  const shape = x.shape;
  const rank = shape.length;
  const out = backend.makeOutput(outShape, x.dtype);
  const total = sizes.reduce((a, b) => a * b, 1);
  const bytes = tf.util.bytesPerElement(x.dtype);
  if (total === 0) return out;
  if (rank === 0) {
    const src = offsetOf(backend, x);
    backend.wasm.HEAPU8.copyWithin(offsetOf(backend, out), src, src + bytes);
    return out;
  }
  const inStride = new Array<number>(rank);
  let acc = bytes;
  for (let i = rank - 1; i >= 0; i--) {
    inStride[i] = acc;
    acc *= shape[i];
  }
  // Trailing axes taken whole with stride 1 are one contiguous block; so is a stride-1 run of
  // the axis just outside them.
  let last = rank - 1;
  let block = bytes;
  while (last >= 0 && strides[last] === 1 && begin[last] === 0 && sizes[last] === shape[last]) {
    block *= shape[last];
    last--;
  }
  let runAxis = last; // the axis copied as one run of `run` bytes
  let run = block;
  if (last >= 0 && strides[last] === 1) {
    run = block * sizes[last];
  } else {
    runAxis = last + 1; // each step of `last` copies one block (or, if last < 0, all of x)
  }

  const heap = backend.wasm.HEAPU8; // after the allocation, which may grow the heap
  let dst = offsetOf(backend, out);
  const copy = (axis: number, src: number): void => {
    if (axis === runAxis) {
      const start = axis < rank ? src + begin[axis] * inStride[axis] : src;
      heap.copyWithin(dst, start, start + run);
      dst += run;
      return;
    }
    const n = sizes[axis];
    const step = strides[axis] * inStride[axis];
    let s = src + begin[axis] * inStride[axis];
    if (axis === last && runAxis === last + 1) {
      // innermost strided axis: one block per step
      for (let i = 0; i < n; i++, s += step) {
        heap.copyWithin(dst, s, s + block);
        dst += block;
      }
      return;
    }
    for (let i = 0; i < n; i++, s += step) copy(axis + 1, s);
  };
  copy(0, offsetOf(backend, x));
  return out;
}

export function stridedSliceOnHeap(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  attrs: tf.StridedSliceAttrs,
): tf.TensorInfo {
  const info = tf.slice_util.sliceInfo(
    x.shape,
    attrs.begin,
    attrs.end,
    attrs.strides,
    attrs.beginMask,
    attrs.endMask,
    attrs.ellipsisMask,
    attrs.newAxisMask,
    attrs.shrinkAxisMask,
  );
  const sizes = x.shape.map((_, i) => {
    const len = info.end[i] - info.begin[i];
    const s = info.strides[i];
    if (len === 0 || len < 0 !== s < 0) return 0;
    return Math.ceil(Math.abs(len) / Math.abs(s));
  });
  return copyStridedRegion(backend, x, info.begin, sizes, info.strides, info.finalShape);
}

/** Builds the kernel; `original` is the backend's own kernel, kept for string tensors. */
export function makeStridedSliceConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string" || x.dtype === "complex64") {
      if (original == null) throw new Error(`resnetc StridedSlice: ${x.dtype} is not supported`);
      return callOriginal(original, tf.StridedSlice, args);
    }
    traceRoute(tf.StridedSlice, "run copy");
    const attrs = args.attrs as unknown as tf.StridedSliceAttrs;
    return stridedSliceOnHeap(asWasmBackend(args.backend), x, attrs);
  };
  return wasmKernelConfig(tf.StridedSlice, original, kernelFunc);
}

/**
 * Slice, replacing tfjs-backend-wasm 4.22's: that one first copies the whole input off the heap
 * (readSync) for every slice, and for rank 5 and up walks elements through a TensorBuffer
 * (a [64,32,32,16] activation sliced as 6-D, the reshape trick for x[:, ::2, ::2, :], took
 * ~140 ms). Here it is a strided copy with unit strides.
 */
export function makeSliceConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string" || x.dtype === "complex64") {
      if (original == null) throw new Error(`resnetc Slice: ${x.dtype} is not supported`);
      return callOriginal(original, tf.Slice, args);
    }
    traceRoute(tf.Slice, "run copy");
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, sz] = tf.slice_util.parseSliceParams(x, begin, size);
    tf.slice_util.assertParamsValid(x, b, sz);
    return copyStridedRegion(
      asWasmBackend(args.backend),
      x,
      b,
      sz,
      sz.map(() => 1),
      sz,
    );
  };
  return wasmKernelConfig(tf.Slice, original, kernelFunc);
}
