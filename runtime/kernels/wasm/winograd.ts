// Winograd F(2x2, 3x3) for the 3x3 stride-1 convolutions of a ResNet (the forward conv, and the
// input gradient, which is a 3x3 stride-1 convolution of dy with the flipped, transposed filter):
// 16 products per 2x2 output tile instead of 36, so 4/9 of the direct loops' multiply-adds.
//
//   U[k] = (G g G^T)[k] for each (ci, co)          [16, Cin, Cout]   (winoFilter, once per call)
//   for blocks of tiles (tile rows of one image, about 128 tiles):
//     V[k][t] = (B^T d_t B)[k]  over 4 channels     [16, T, Cin]      (winoIn)
//     M[k]    = V[k] @ U[k]                          [16, T, Cout]     (convRows, one tap)
//     y tile  = A^T M_t A                            2 x 2 pixels      (winoOut)
//
// The source is copied zero-padded so that every tile's 4x4 window is inside; when the output has
// an odd height or width, the last tiles are written to a temporary and the output cropped.
// Within float32 rounding of the direct result (the transforms only add and halve).

import * as tf from "@tensorflow/tfjs-core";
import { epilogueFlags, type ConvLoops, type Epilogue } from "./conv_module.js";
import { accumulateOuter, type ConvRows, type SimdLoops } from "./simd_module.js";
import { index32, offsetOf, release, runWasmKernel, type WasmBackendLike } from "./wasm_heap.js";

/**
 * The Winograd routes copy their source zero-padded to whole tiles; above this many floats in
 * that copy (128 MiB) they are not taken, so that large activations do not need a second copy on
 * the wasm heap (capped near 4 GiB): the direct loops read the source in place.
 */
export const WINOGRAD_MAX_COPY_FLOATS = 1 << 25;

/** Whether a 3x3 stride-1 convolution with this output size and source may run as Winograd. */
export function winogradFits(n: number, oh: number, ow: number, channels: number): boolean {
  const copy = n * (2 * Math.ceil(oh / 2) + 2) * (2 * Math.ceil(ow / 2) + 2) * channels;
  return n * oh * ow > 0 && copy <= WINOGRAD_MAX_COPY_FLOATS;
}

/**
 * Where a 3x3 filter's taps lie: tap t = 3*kh + kw is a [cin, cout] float32 plane at
 * w + t*tapStride (bytes; negative for a flipped filter, tap 8 - t first).
 */
export interface FilterTaps {
  w: number;
  tapStride: number;
}

const SKEW = 36;

/** Tiles per block (whole tile rows, across images): V and M for a block stay in L2. */
const BLOCK_TILES = 256;

/**
 * U = G g G^T for every (ci, co): 16 [cin, cout] float32 planes, each uPlane(cin, cout) floats
 * after the last (the caller releases it).
 */
function transformFilter(
  backend: WasmBackendLike,
  loops: ConvLoops,
  cin: number,
  cout: number,
  g: FilterTaps,
): tf.TensorInfo {
  const stride = uPlane(cin, cout);
  const u = backend.makeOutput([16 * stride], "float32");
  loops.winoFilter(g.w, g.tapStride, (cin * cout) / 4, offsetOf(backend, u), stride * 4);
  return u;
}

/**
 * The floats from one plane of U (or dU) to the next: SKEW more than packed, so that the
 * filter transforms' 16 loads or stores of one group, a plane apart, do not alias in the cache
 * (planes of 16 KiB, ResNet's 64x64: the filter gradient's transform measured 2x slower packed).
 */
const uPlane = (cin: number, cout: number) => cin * cout + SKEW;

/**
 * The tiling of an oh x ow output (both routes): th x tw tiles of 2x2 outputs, whose 4x4 source
 * windows lie in a zero-padded hp x wp copy; `even` when the tiles cover the output exactly; the
 * tile rows of all images taken blockRows at a time (at most maxT tiles a block).
 */
function tiling(n: number, oh: number, ow: number) {
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const tiles = Math.min(BLOCK_TILES, n * th * tw);
  const blockRows = Math.max(1, Math.floor(tiles / tw));
  const even = oh === 2 * th && ow === 2 * tw;
  return { th, tw, hp: 2 * th + 2, wp: 2 * tw + 2, even, blockRows, maxT: blockRows * tw };
}

/**
 * f (winoIn or winoDy) over tile row r of image b of the [n, rows, cols, c] tensor at img (the
 * row's tiles start at image row 2r, every second column), into the 16 matrices of a block of
 * T tiles at mats, the row's first tile at block position `at`.
 */
function transformRow(
  f: SimdLoops["winoIn"],
  img: number,
  rows: number,
  cols: number,
  c: number,
  tw: number,
  b: number,
  r: number,
  mats: number,
  at: number,
  T: number,
): void {
  f(
    img + (b * rows + 2 * r) * cols * c * 4,
    cols * c * 4,
    c * 4,
    tw,
    c / 4,
    mats + at * c * 4,
    c * 4,
    (T * c + SKEW) * 4,
  );
}

/** Writes src into the [n, hp, wp, c] tensor sp at (top, left), zeros elsewhere (cropping). */
function fillPadded(
  backend: WasmBackendLike,
  src: tf.TensorInfo,
  sp: tf.TensorInfo,
  top: number,
  left: number,
): void {
  const [n, h, w, c] = src.shape;
  const [, hp, wp] = sp.shape;
  const heap = backend.wasm.HEAPF32;
  const s0 = index32(backend, src);
  const d0 = index32(backend, sp);
  heap.fill(0, d0, d0 + n * hp * wp * c);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(w, wp - left);
  if (x1 <= x0) return;
  for (let b = 0; b < n; b++) {
    for (let y = Math.max(0, -top); y < Math.min(h, hp - top); y++) {
      const s = s0 + ((b * h + y) * w + x0) * c;
      heap.copyWithin(d0 + ((b * hp + y + top) * wp + x0 + left) * c, s, s + (x1 - x0) * c);
    }
  }
}

/**
 * out[n, oy, ox, :] = sum over kh, kw < 3 of src[n, oy + kh - top, ox + kw - left, :] . g(kh, kw)
 * (zero outside src) for oy < oh, ox < ow: a 3x3 stride-1 convolution. cin and cout must be
 * multiples of 4. With an epilogue (conv_module.ts), bias, residual and ReLU are applied in the
 * output transform's stores; a residual only when oh and ow are even (the output is not cropped).
 */
export function winograd3x3(
  backend: WasmBackendLike,
  loops: ConvLoops,
  src: tf.TensorInfo,
  top: number,
  left: number,
  oh: number,
  ow: number,
  cout: number,
  g: FilterTaps,
  epilogue?: Epilogue,
): tf.TensorInfo {
  const [n, , , cin] = src.shape;
  const { th, tw, hp, wp, even, blockRows, maxT } = tiling(n, oh, ow);
  const flags = epilogueFlags(epilogue);
  if (!even && epilogue?.residual != null) {
    throw new Error("resnetc winograd3x3: a residual needs an even output (no crop)");
  }
  const out = backend.makeOutput([n, 2 * th, 2 * tw, cout], "float32");
  const u = transformFilter(backend, loops, cin, cout, g);
  // Zero-padded source: src row y at padded row y + top (rows outside [0, hp) dropped).
  const sp = backend.makeOutput([n, hp, wp, cin], "float32");
  // The 16 matrices of a block, each SKEW floats further than packed: strides that are multiples
  // of 4 KiB make the transforms' 16 loads or stores alias in the cache (measured 2x slower).
  const v = backend.makeOutput([16 * (maxT * cin + SKEW)], "float32");
  const m = backend.makeOutput([16 * (maxT * cout + SKEW)], "float32");
  const taps = backend.makeOutput([32], "int32");
  fillPadded(backend, src, sp, top, left);
  {
    const t0 = index32(backend, taps);
    for (let k = 0; k < 16; k++) {
      backend.wasm.HEAP32[t0 + 2 * k] = 0;
      backend.wasm.HEAP32[t0 + 2 * k + 1] = k * uPlane(cin, cout) * 4;
    }
  }
  const [spA, vA, mA, uA, outA, tapsA] = [sp, v, m, u, out, taps].map((t) => offsetOf(backend, t));
  const co16 = cout - (cout % 16);
  const gemm = (
    f: ConvRows,
    s: number,
    o: number,
    nPix: number,
    k: number,
    c0: number,
    c1: number,
  ) => f(s, cin * 4, nPix, tapsA + 8 * k, 1, cin, uA, cout, c0, c1, o, cout * 4, 1, 0, 0);
  // Tile rows g = b * th + r of every image b, in blocks of blockRows.
  for (let g0 = 0; g0 < n * th; g0 += blockRows) {
    const g1 = Math.min(n * th, g0 + blockRows);
    const T = (g1 - g0) * tw;
    for (let gi = g0; gi < g1; gi++) {
      const [b, r] = [Math.floor(gi / th), gi % th];
      transformRow(loops.winoIn, spA, hp, wp, cin, tw, b, r, vA, (gi - g0) * tw, T);
    }
    const pairs = T - (T % 2);
    for (let k = 0; k < 16; k++) {
      const s = vA + k * (T * cin + SKEW) * 4;
      const o = mA + k * (T * cout + SKEW) * 4;
      const sT = s + pairs * cin * 4;
      const oT = o + pairs * cout * 4;
      if (co16 > 0) {
        if (pairs > 0) gemm(loops.convRows2x16, s, o, pairs, k, 0, co16);
        if (pairs < T) gemm(loops.convRows1x16, sT, oT, 1, k, 0, co16);
      }
      if (co16 < cout) {
        if (pairs > 0) gemm(loops.convRows2x4, s, o, pairs, k, co16, cout);
        if (pairs < T) gemm(loops.convRows1x4, sT, oT, 1, k, co16, cout);
      }
    }
    for (let gi = g0; gi < g1; gi++) {
      const [b, r] = [Math.floor(gi / th), gi % th];
      const args = [
        mA + (gi - g0) * tw * cout * 4,
        cout * 4,
        (T * cout + SKEW) * 4,
        tw,
        cout / 4,
        outA + (b * 2 * th + 2 * r) * 2 * tw * cout * 4,
        2 * tw * cout * 4,
        cout * 4,
      ] as const;
      if (flags === 0) loops.winoOut(...args);
      else loops.winoOutE(...args, epilogue!.bias ?? 0, (epilogue!.residual ?? outA) - outA, flags);
    }
  }
  release(backend, u, sp, v, m, taps);
  if (even) return out;
  const cropped = runWasmKernel(
    backend,
    "Slice",
    { x: out },
    { begin: [0, 0, 0, 0], size: [n, oh, ow, cout] },
  );
  release(backend, out);
  return cropped;
}

/**
 * The filter gradient of a 3x3 stride-1 convolution with pads top/left (x [N, H, W, Ci],
 * dy [N, OH, OW, Co], Ci and Co multiples of 4), by the same F(2x2, 3x3):
 *
 *   dU[k] = sum over tiles t of  V[k][t]^T (x's 4x4 window, B^T d B)
 *                               x D[k][t] (dy's 2x2 tile, A dy A^T)       [16, Ci, Co]
 *   dW    = G^T dU G                                                     [3, 3, Ci, Co]
 *
 * with 16 products per tile instead of direct's 36 (accumulateOuter over the tiles of a block).
 */
export function winogradFilterGrad3x3(
  backend: WasmBackendLike,
  loops: ConvLoops,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  top: number,
  left: number,
): tf.TensorInfo {
  const [n, , , ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const { th, tw, hp, wp, even, blockRows, maxT } = tiling(n, oh, ow);
  const xp = backend.makeOutput([n, hp, wp, ci], "float32");
  const dyp = even ? dy : backend.makeOutput([n, 2 * th, 2 * tw, co], "float32");
  const v = backend.makeOutput([16 * (maxT * ci + SKEW)], "float32");
  const d = backend.makeOutput([16 * (maxT * co + SKEW)], "float32");
  const duPlane = uPlane(ci, co);
  const du = backend.makeOutput([16 * duPlane], "float32");
  const dw = backend.makeOutput([3, 3, ci, co], "float32");
  fillPadded(backend, x, xp, top, left);
  if (dyp !== dy) fillPadded(backend, dy, dyp, 0, 0);
  const du0 = index32(backend, du);
  backend.wasm.HEAPF32.fill(0, du0, du0 + 16 * duPlane);
  const [xA, dyA, vA, dA, duA] = [xp, dyp, v, d, du].map((t) => offsetOf(backend, t));
  for (let g0 = 0; g0 < n * th; g0 += blockRows) {
    const g1 = Math.min(n * th, g0 + blockRows);
    const T = (g1 - g0) * tw;
    for (let gi = g0; gi < g1; gi++) {
      const [b, r] = [Math.floor(gi / th), gi % th];
      transformRow(loops.winoIn, xA, hp, wp, ci, tw, b, r, vA, (gi - g0) * tw, T);
      transformRow(loops.winoDy, dyA, 2 * th, 2 * tw, co, tw, b, r, dA, (gi - g0) * tw, T);
    }
    for (let k = 0; k < 16; k++) {
      const xk = vA + k * (T * ci + SKEW) * 4;
      const dk = dA + k * (T * co + SKEW) * 4;
      // One "row" of T tiles (the row strides only bound the loop: nonzero).
      const acc = duA + k * duPlane * 4;
      accumulateOuter(loops, xk, dk, acc, 1, T, T * ci * 4, ci * 4, T * co * 4, ci, co);
    }
  }
  // dW = G^T dU G for every (ci, co).
  const plane = ci * co;
  loops.winoFilterGrad(duA, duPlane * 4, plane / 4, offsetOf(backend, dw), plane * 4);
  release(backend, xp, v, d, du);
  if (dyp !== dy) release(backend, dyp);
  return dw;
}
