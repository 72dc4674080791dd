// Tile for the wasm backend, replacing tfjs-backend-wasm 4.22's kernel, which computes every
// output element's source index in a scalar C++ loop. Batch norm's gradient tiles a [1,1,1,C]
// tensor up to the whole activation, so that loop cost about a fifth of a ResNet training step.
//
// This one copies blocks: the innermost axis is copied once and then doubled in place
// (copyWithin of 1, 2, 4, ... copies), and each outer axis repeats the block built below it the
// same way. Work is proportional to the output size with memmove speed and O(log reps) calls.

import * as tf from "@tensorflow/tfjs-core";
import { callOriginal, wasmKernelConfig, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import { asWasmBackend, offsetOf, type WasmBackendLike } from "./wasm_heap.js";

/** Repeats heap[start, start+len) `times` times in total, in place (doubling). */
function repeatInPlace(heap: Uint8Array, start: number, len: number, times: number): void {
  let filled = len;
  const total = len * times;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    heap.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

function tileInto(
  heap: Uint8Array,
  shape: number[],
  reps: number[],
  inStrides: number[],
  outStrides: number[],
  bytes: number,
  axis: number,
  src: number,
  dst: number,
): void {
  const d = shape[axis];
  if (axis === shape.length - 1) {
    heap.copyWithin(dst, src, src + d * bytes);
  } else {
    for (let i = 0; i < d; i++) {
      tileInto(
        heap,
        shape,
        reps,
        inStrides,
        outStrides,
        bytes,
        axis + 1,
        src + i * inStrides[axis] * bytes,
        dst + i * outStrides[axis] * bytes,
      );
    }
  }
  // The block for one copy of this axis is d * outStrides[axis] elements; repeat it reps times.
  if (reps[axis] > 1) repeatInPlace(heap, dst, d * outStrides[axis] * bytes, reps[axis]);
}

/**
 * Drops axes of size 1 that are not repeated, merges an axis into the one outside it when it is
 * not repeated itself (tiling [a, b] by [r, 1] is tiling the flat [a*b] by [r]), and folds the
 * reps of a size-1 axis into the axis inside it (tiling [1, a] by [p, q] is tiling [a] by [p*q]). This keeps the
 * recursion short, e.g. [N,H,W,1] by [1,1,1,C] becomes [N*H*W, 1] by [1, C], and [1,1,1,C] by
 * [N,H,W,1] becomes [C] by [N*H*W].
 */
export function simplifyTile(shape: number[], reps: number[]): [number[], number[]] {
  const s: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && reps[i] === 1) continue;
    s.push(shape[i]);
    r.push(reps[i]);
  }
  for (let k = s.length - 2; k >= 0; k--) {
    if (r[k + 1] === 1) {
      s[k] *= s[k + 1];
      s.splice(k + 1, 1);
      r.splice(k + 1, 1);
    } else if (s[k] === 1) {
      // A single-element axis only repeats the block below it: fold its reps into that axis.
      r[k + 1] *= r[k];
      s.splice(k, 1);
      r.splice(k, 1);
    }
  }
  if (s.length === 0) return [[1], [1]];
  return [s, r];
}

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function tileOnHeap(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  reps: number[],
): tf.TensorInfo {
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const size = tf.util.sizeFromShape(outShape);
  if (size === 0) return out;
  const bytes = tf.util.bytesPerElement(x.dtype);
  const heap = backend.wasm.HEAPU8; // after the allocation, which may grow the heap
  const [shape, r] = simplifyTile(x.shape, reps);
  tileInto(
    heap,
    shape,
    r,
    stridesOf(shape),
    stridesOf(shape.map((d, i) => d * r[i])),
    bytes,
    0,
    offsetOf(backend, x),
    offsetOf(backend, out),
  );
  return out;
}

/** Builds the kernel; `original` is the backend's own kernel, kept for string tensors. */
export function makeTileConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    if (x.dtype === "string" || x.dtype === "complex64") {
      if (original == null) throw new Error(`resnetc Tile: dtype ${x.dtype} is not supported`);
      return callOriginal(original, tf.Tile, args);
    }
    traceRoute(tf.Tile, "block copy");
    return tileOnHeap(asWasmBackend(args.backend), x, reps);
  };
  return wasmKernelConfig(tf.Tile, original, kernelFunc);
}
