// Per-channel kernels for the wasm backend, replacing tfjs-backend-wasm 4.22's where a ResNet's
// batch norm spends its time (float32, channels-last data seen as an [rows, C] matrix):
//
//   Sum, Mean        over leading axes ([N,H,W,C] -> [C]: the moments and their gradients). The
//                    originals transpose the reduced axes innermost first (a full copy of the
//                    activation), then reduce. Here SIMD column sums run straight over the data,
//                    in blocks of 256 rows whose float32 partial sums are added up in float64.
//   Multiply, Add,   of an [N,H,W,C] tensor and a [C] (or [1,1,1,C]) one or a single value,
//   Sub, RealDiv     either order. The originals' broadcasting path is about twice as slow as
//                    their same-shape path.
//   FusedBatchNorm   (x - mean) * scale / sqrt(variance + eps) + offset with [C] parameters: the
//                    per-channel factor is computed once, then one SIMD pass over x.
//
// Any other case (other axes, dtypes, broadcasts, or no SIMD module) goes to the original kernel.
// When C is not a multiple of 4 (one v128), g = 4 / gcd(C, 4) consecutive rows are taken as one
// row of g*C floats (parameters repeated g times) and the rows left over are done in JS.

import * as tf from "@tensorflow/tfjs-core";
import { callOriginal, wasmKernelConfig, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import { simdLoops, type SimdLoops } from "./simd_module.js";
import { asWasmBackend, index32, offsetOf, release, type WasmBackendLike } from "./wasm_heap.js";

/** Rows summed in float32 before the partial sums are added in float64. */
const BLOCK_ROWS = 256;

/** Rows per widened row so that a row is a whole number of v128s. */
function widen(cols: number): number {
  return cols % 4 === 0 ? 1 : cols % 2 === 0 ? 2 : 4;
}

/**
 * If the axes reduced are all outside the axes kept (ignoring axes of size 1), the reduction is
 * over the rows of an [rows, cols] matrix; returns that split, else null.
 */
export function leadingSplit(shape: number[], axes: number[]): [number, number] | null {
  let rows = 1;
  let cols = 1;
  let keptSeen = false;
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (shape[i] !== 1 && keptSeen) return null;
      rows *= shape[i];
    } else {
      if (shape[i] !== 1) keptSeen = true;
      cols *= shape[i];
    }
  }
  return [rows, cols];
}

/** Column sums (float64) of the float32 [rows, cols] matrix that is tensor x. */
function columnSums(
  backend: WasmBackendLike,
  loops: SimdLoops,
  x: tf.TensorInfo,
  rows: number,
  cols: number,
): Float64Array {
  const g = widen(cols);
  const wide = g * cols;
  const wideRows = Math.floor(rows / g);
  const acc = new Float64Array(cols);
  if (wideRows > 0) {
    const blocks = Math.ceil(wideRows / BLOCK_ROWS);
    const scratch = backend.makeOutput([blocks, wide], "float32");
    loops.colsum(offsetOf(backend, x), wideRows, wide * 4, BLOCK_ROWS, offsetOf(backend, scratch));
    const heap = backend.wasm.HEAPF32;
    const base = index32(backend, scratch);
    for (let b = 0; b < blocks; b++) {
      const row = base + b * wide;
      for (let k = 0; k < wide; k++) acc[k % cols] += heap[row + k];
    }
    release(backend, scratch);
  }
  // Rows left over when g > 1.
  const heap = backend.wasm.HEAPF32;
  const xi = index32(backend, x);
  for (let r = wideRows * g; r < rows; r++) {
    for (let c = 0; c < cols; c++) acc[c] += heap[xi + r * cols + c];
  }
  return acc;
}

function makeReduceConfig(
  kernelName: "Sum" | "Mean",
  original: tf.KernelConfig | undefined,
): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const backend = asWasmBackend(args.backend);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const loops = x.dtype === "float32" ? simdLoops(backend.wasm) : null;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const split = loops != null && axes.length > 0 ? leadingSplit(x.shape, axes) : null;
    if (loops == null || split == null) return callOriginal(original, kernelName, args);
    const [rows, cols] = split;
    traceRoute(kernelName, "column sums");
    const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    if (cols === 0) return backend.makeOutput(shape, "float32");
    // No rows: sums and means are 0, as on cpu.
    const acc = columnSums(backend, loops, x, rows, cols);
    const out = backend.makeOutput(shape, "float32");
    const heap = backend.wasm.HEAPF32; // after the allocation, which may grow the heap
    const o = index32(backend, out);
    if (kernelName === "Mean" && rows > 0)
      for (let c = 0; c < cols; c++) heap[o + c] = acc[c] / rows;
    else for (let c = 0; c < cols; c++) heap[o + c] = acc[c];
    return out;
  };
  return wasmKernelConfig(kernelName, original, kernelFunc);
}

export const makeSumConfig = (original: tf.KernelConfig | undefined) =>
  makeReduceConfig("Sum", original);
export const makeMeanConfig = (original: tf.KernelConfig | undefined) =>
  makeReduceConfig("Mean", original);

/**
 * A float32 [nRows, g * cols] matrix on the heap whose row r is values(r, c) for c < cols,
 * repeated g times (the caller releases it).
 */
function rowParams(
  backend: WasmBackendLike,
  cols: number,
  g: number,
  nRows: number,
  values: (row: number, c: number) => number,
): tf.TensorInfo {
  const t = backend.makeOutput([nRows, g * cols], "float32");
  const heap = backend.wasm.HEAPF32;
  const base = index32(backend, t);
  for (let r = 0; r < nRows; r++) {
    for (let k = 0; k < g * cols; k++) heap[base + r * g * cols + k] = values(r, k % cols);
  }
  return t;
}

type RowOp = "mulRow" | "addRow" | "subRow" | "rsubRow" | "divRow" | "rdivRow";

const SCALAR_OPS: Record<RowOp, (a: number, v: number) => number> = {
  mulRow: (a, v) => Math.fround(a * v),
  addRow: (a, v) => Math.fround(a + v),
  subRow: (a, v) => Math.fround(a - v),
  rsubRow: (a, v) => Math.fround(v - a),
  divRow: (a, v) => Math.fround(a / v),
  rdivRow: (a, v) => Math.fround(v / a),
};

/** out[r, c] = full[r, c] OP vec[c] over the [rows, cols] matrix `full`. */
function rowBroadcast(
  backend: WasmBackendLike,
  loops: SimdLoops,
  op: RowOp,
  full: tf.TensorInfo,
  vec: tf.TensorInfo,
  outShape: number[],
  cols: number,
): tf.TensorInfo {
  const rows = tf.util.sizeFromShape(outShape) / cols;
  const g = widen(cols);
  const wideRows = Math.floor(rows / g);
  let params: tf.TensorInfo | null = null;
  if (g > 1) {
    const vi = index32(backend, vec);
    params = rowParams(backend, cols, g, 1, (_, c) => backend.wasm.HEAPF32[vi + c]);
  }
  const out = backend.makeOutput(outShape, "float32");
  if (wideRows > 0) {
    loops[op](
      offsetOf(backend, full),
      wideRows,
      g * cols * 4,
      offsetOf(backend, params ?? vec),
      offsetOf(backend, out),
    );
  }
  const heap = backend.wasm.HEAPF32;
  const [fi, vi, oi] = [index32(backend, full), index32(backend, vec), index32(backend, out)];
  const f = SCALAR_OPS[op];
  for (let i = wideRows * g * cols; i < rows * cols; i++)
    heap[oi + i] = f(heap[fi + i], heap[vi + (i % cols)]);
  release(backend, params);
  return out;
}

function makeBinaryConfig(
  kernelName: "Multiply" | "Add" | "Sub" | "RealDiv",
  original: tf.KernelConfig | undefined,
): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const backend = asWasmBackend(args.backend);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== "float32" || b.dtype !== "float32") {
      return callOriginal(original, kernelName, args);
    }
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = tf.util.sizeFromShape(outShape);
    const cols = outShape.length > 0 ? outShape[outShape.length - 1] : 0;
    // The operand broadcast over rows: a [C] vector (any leading 1s) or a single value.
    const vecCols = (t: tf.TensorInfo): number | null => {
      const n = tf.util.sizeFromShape(t.shape);
      if (n === 1) return 1;
      return t.shape.length > 0 && t.shape[t.shape.length - 1] === cols && n === cols ? cols : null;
    };
    const aFull = tf.util.sizeFromShape(a.shape) === size;
    const bFull = tf.util.sizeFromShape(b.shape) === size;
    let full: tf.TensorInfo;
    let vec: tf.TensorInfo;
    let period: number | null = null;
    let reversed = false;
    if (size === 0 || size === cols || (aFull && bFull)) {
      return callOriginal(original, kernelName, args);
    } else if (aFull && (period = vecCols(b)) != null) {
      [full, vec] = [a, b];
    } else if (bFull && (period = vecCols(a)) != null) {
      [full, vec, reversed] = [b, a, true];
    } else {
      return callOriginal(original, kernelName, args);
    }
    const loops = simdLoops(backend.wasm);
    if (loops == null) return callOriginal(original, kernelName, args);
    const ops: Record<typeof kernelName, [RowOp, RowOp]> = {
      Multiply: ["mulRow", "mulRow"],
      Add: ["addRow", "addRow"],
      Sub: ["subRow", "rsubRow"],
      RealDiv: ["divRow", "rdivRow"],
    };
    const op = ops[kernelName][reversed ? 1 : 0];
    traceRoute(kernelName, "row broadcast");
    return rowBroadcast(backend, loops, op, full, vec, outShape, period);
  };
  return wasmKernelConfig(kernelName, original, kernelFunc);
}

export const makeMultiplyConfig = (original: tf.KernelConfig | undefined) =>
  makeBinaryConfig("Multiply", original);
export const makeAddConfig = (original: tf.KernelConfig | undefined) =>
  makeBinaryConfig("Add", original);
export const makeSubConfig = (original: tf.KernelConfig | undefined) =>
  makeBinaryConfig("Sub", original);
export const makeRealDivConfig = (original: tf.KernelConfig | undefined) =>
  makeBinaryConfig("RealDiv", original);

/** FusedBatchNorm with parameters of size C (x's last axis) or 1, all float32. */
export function makeFusedBatchNormConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const backend = asWasmBackend(args.backend);
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo>;
    const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
    const cols = x.shape.length > 0 ? x.shape[x.shape.length - 1] : 0;
    const params = [mean, variance, offset, scale].filter((t) => t != null);
    const ok =
      x.dtype === "float32" &&
      cols > 0 &&
      tf.util.sizeFromShape(x.shape) > 0 &&
      params.every((t) => {
        const n = tf.util.sizeFromShape(t.shape);
        return t.dtype === "float32" && (n === cols || n === 1);
      });
    const loops = ok ? simdLoops(backend.wasm) : null;
    if (loops == null) return callOriginal(original, "FusedBatchNorm", args);
    traceRoute(tf.FusedBatchNorm, "affine");

    const read = (t: tf.TensorInfo | undefined, fallback: number): ((c: number) => number) => {
      if (t == null) return () => fallback;
      const i = index32(backend, t);
      const one = tf.util.sizeFromShape(t.shape) === 1;
      return (c) => backend.wasm.HEAPF32[i + (one ? 0 : c)];
    };
    const m = read(mean, 0);
    const v = read(variance, 0);
    const o = read(offset, 0);
    const s = read(scale, 1);
    // Rows: mean, the factor scale / sqrt(variance + eps), offset.
    const factors = new Float64Array(cols);
    for (let c = 0; c < cols; c++) factors[c] = s(c) / Math.sqrt(v(c) + varianceEpsilon);
    const rowsOf = [m, (c: number) => factors[c], o];
    const rows = tf.util.sizeFromShape(x.shape) / cols;
    const g = widen(cols);
    const wideRows = Math.floor(rows / g);
    const p = rowParams(backend, cols, g, 3, (r, c) => rowsOf[r](c));
    const out = backend.makeOutput(x.shape, "float32");
    if (wideRows > 0) {
      loops.affine(
        offsetOf(backend, x),
        wideRows,
        g * cols * 4,
        offsetOf(backend, p),
        offsetOf(backend, out),
      );
    }
    const heap = backend.wasm.HEAPF32;
    const [xi, pi, oi] = [index32(backend, x), index32(backend, p), index32(backend, out)];
    const w = g * cols;
    for (let i = wideRows * w; i < rows * cols; i++) {
      const c = i % cols;
      const centred = Math.fround(heap[xi + i] - heap[pi + c]);
      heap[oi + i] = Math.fround(Math.fround(centred * heap[pi + w + c]) + heap[pi + 2 * w + c]);
    }
    release(backend, p);
    return out;
  };
  return wasmKernelConfig(tf.FusedBatchNorm, original, kernelFunc);
}
