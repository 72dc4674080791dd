// A few WebAssembly SIMD loops that work directly on the wasm backend's heap: resnetc's own small
// wasm module, assembled at run time (simd/assembler.ts; no toolchain) and instantiated over the
// backend's WebAssembly.Memory, so its pointers are the same byte offsets as the backend's
// tensors' memoryOffset. The memory is imported without a maximum, so when tfjs grows the heap
// these functions see the new size.
//
// This file holds the module's function list (FUNCS), its typed interface (SimdLoops) and the
// instantiation; the loops themselves are defined in simd/: channel_loops.ts (column sums, row
// broadcasts and batch norm's affine transform, for channel_ops.ts), conv_loops.ts (the filter
// gradient's outer-product sums, conv2d_backprop_filter.ts, and direct convolutions,
// conv_direct.ts) and winograd_loops.ts (Winograd F(2x2, 3x3) transforms, winograd.ts). All work
// on groups of 4 floats (one v128), so C must be a multiple of 4; callers check that.

import * as tf from "@tensorflow/tfjs-core";
import { backendMemory, HeapModule, WA } from "./heap_module.js";
import { envVar } from "./process-env.js";
import {
  assembleModule,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_MUL,
  F32X4_SUB,
  type FuncDef,
} from "./simd/assembler.js";
import { affine, colsum, rowop } from "./simd/channel_loops.js";
import { convRows, filterTap } from "./simd/conv_loops.js";
import { winoDy, winoIn, winoOut } from "./simd/winograd_loops.js";
import type { WasmModuleLike } from "./wasm_heap.js";

const FUNCS: FuncDef[] = [
  colsum,
  rowop("mulRow", F32X4_MUL, false),
  rowop("addRow", F32X4_ADD, false),
  rowop("subRow", F32X4_SUB, false),
  rowop("rsubRow", F32X4_SUB, true),
  rowop("divRow", F32X4_DIV, false),
  rowop("rdivRow", F32X4_DIV, true),
  affine,
  filterTap("filterTap4x8", 4, 2),
  filterTap("filterTap2x16", 2, 4),
  filterTap("filterTap1x8", 1, 2),
  filterTap("filterTap4x4", 4, 1),
  filterTap("filterTap1x4", 1, 1),
  convRows("convRows2x16", 2, 4),
  convRows("convRows1x16", 1, 4),
  convRows("convRows2x4", 2, 1),
  convRows("convRows1x4", 1, 1),
  winoIn,
  winoOut,
  winoDy,
];

/** The module's bytes: the FUNCS in this order, memory imported as env.memory. */
export function assembleSimdModule(): Uint8Array {
  return assembleModule(FUNCS);
}

/** The exported loops; every pointer is a byte offset in the backend's heap. */
export interface SimdLoops {
  colsum(src: number, rows: number, rowBytes: number, blockRows: number, dst: number): void;
  mulRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  addRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  subRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  rsubRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  divRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  rdivRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  affine(x: number, rows: number, rowBytes: number, params: number, out: number): void;
  filterTap4x8: FilterTap;
  filterTap2x16: FilterTap;
  filterTap1x8: FilterTap;
  filterTap4x4: FilterTap;
  filterTap1x4: FilterTap;
  convRows2x16: ConvRows;
  convRows1x16: ConvRows;
  convRows2x4: ConvRows;
  convRows1x4: ConvRows;
  winoIn(
    src: number,
    rowBytes: number,
    pixBytes: number,
    nTiles: number,
    c4: number,
    v: number,
    vTileBytes: number,
    vMatBytes: number,
  ): void;
  winoDy(
    dy: number,
    rowBytes: number,
    pixBytes: number,
    nTiles: number,
    c4: number,
    out: number,
    tileBytes: number,
    matBytes: number,
  ): void;
  winoOut(
    m: number,
    mTileBytes: number,
    mMatBytes: number,
    nTiles: number,
    c4: number,
    y: number,
    rowBytes: number,
    pixBytes: number,
  ): void;
}

/** See convRows() in simd/conv_loops.ts: a block of output pixels of a direct convolution. */
export type ConvRows = (
  src: number,
  srcPixStride: number,
  nPix: number,
  taps: number,
  nTaps: number,
  cin: number,
  w: number,
  cols: number,
  coFrom: number,
  coTo: number,
  out: number,
  outPixStride: number,
  nRows: number,
  srcRowStride: number,
  outRowStride: number,
) => void;

/**
 * acc[c, o] += sum of x[c] * dy[o] over the rectangle (see filterTap() in simd/conv_loops.ts) for
 * every c < ci, o < co (co a multiple of 4), through the variant that fits the channel counts.
 */
export function accumulateOuter(
  loops: SimdLoops,
  x: number,
  dy: number,
  acc: number,
  nRows: number,
  count: number,
  xRowStride: number,
  xColStride: number,
  dyRowStride: number,
  ci: number,
  co: number,
): void {
  const run = (f: FilterTap, c0: number, c1: number, o0: number, o1: number) => {
    if (c1 > c0 && o1 > o0) {
      f(x, dy, acc, nRows, count, xRowStride, xColStride, dyRowStride, c0, c1, o0, o1, co);
    }
  };
  const ci4 = ci - (ci % 4);
  const co8 = co - (co % 8);
  if (co % 16 === 0 && ci % 2 === 0) {
    run(loops.filterTap2x16, 0, ci, 0, co); // measured a few % faster than 4 x 8
  } else {
    run(loops.filterTap4x8, 0, ci4, 0, co8);
    run(loops.filterTap1x8, ci4, ci, 0, co8);
  }
  run(loops.filterTap4x4, 0, ci4, co8, co);
  run(loops.filterTap1x4, ci4, ci, co8, co);
}

/**
 * See filterTap() in simd/conv_loops.ts: one tap of one image of the filter gradient, accumulated
 * into acc.
 */
export type FilterTap = (
  x: number,
  dy: number,
  acc: number,
  nRows: number,
  count: number,
  xRowStride: number,
  xColStride: number,
  dyRowStride: number,
  ciFrom: number,
  ciTo: number,
  coFrom: number,
  coTo: number,
  cols: number,
) => void;

/** RESNETC_WASM_SIMD=off: the SIMD module is not loaded, every kernel takes its fallback. */
export const SIMD_ENV = "RESNETC_WASM_SIMD";

const simdModule = new HeapModule<SimdLoops>({
  name: "SIMD module",
  funcs: () => FUNCS,
  fallback: "resnetc's wasm kernels fall back to XNNPACK and tfjs's own",
});
let disabled: string | null = null;

/**
 * The loops bound to this backend's heap, or null when they cannot be had (disabled by
 * RESNETC_WASM_SIMD=off, the emscripten module does not expose its memory, or this runtime has
 * no wasm SIMD): the kernels then fall back to tfjs-backend-wasm's own.
 */
export function simdLoops(wasm: WasmModuleLike): SimdLoops | null {
  disabled = envVar(SIMD_ENV) === "off" ? `disabled by ${SIMD_ENV}=off` : null;
  if (WA == null) disabled = "this runtime has no WebAssembly";
  if (disabled !== null) return null;
  const memory = backendMemory(wasm);
  return memory === null ? null : simdModule.on(memory); // internals.ts reports a missing memory
}

/**
 * Whether resnetc's SIMD loops run on the initialised wasm backend (false: its kernels fall back
 * to XNNPACK and tfjs's own), or null when the wasm backend is not initialised in this process.
 */
export function wasmSimdLoaded(): boolean | null {
  const backend = tf.engine().registry["wasm"] as unknown as { wasm?: WasmModuleLike } | undefined;
  if (backend?.wasm == null) return null;
  return simdLoops(backend.wasm) !== null;
}

/** Why the SIMD loops did not load, when they did not (see wasmSimdLoaded), else null. */
export function wasmSimdFailure(): string | null {
  return disabled ?? simdModule.failure;
}
