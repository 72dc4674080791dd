// Direct convolutions in resnetc's SIMD module (simd_module.ts, convRows), for the forward conv
// (Conv2D, and FusedConv2D without bias or activation, as tfjs-layers runs a bias-free conv) and
// the input gradient (Conv2DBackpropInput), float32 channels-last with output channels a multiple
// of 4 (forward filters up to DIRECT_MAX_FILTER_FLOATS; larger ones run faster on XNNPACK).
// XNNPACK's convolution, which these replace, ran ResNet-20's 3x3 layers at about 7-8 ms per
// [64,32,32,16] call; the direct loops take about 5-6, and the strided input gradient no longer
// multiplies the zeros XNNPACK's route inserts into dy (3 of every 4 products).
//
// Both are the same computation: for each output pixel, sum over a list of taps of a
// [cin] x [cin, cout] product, with the source pixel of a tap at a fixed byte offset from the
// output pixel's base in a zero-padded copy of the source (so no bounds checks in the loops).
//
//   forward:         source x padded, output pixel (oh, ow) based at (oh*sh, ow*sw); tap (kh, kw)
//                    at (kh*dh, kw*dw), weights W[kh, kw] as they are ([Ci, Co]).
//   input gradient:  dx[n, ih, iw, ci] = sum over (kh, kw) with oh = (ih + padTop - kh) / sh and
//                    ow likewise integers, of dy[n, oh, ow, :] . W[kh, kw, ci, :]. Split dx into
//                    sh x sw phases (ih mod sh, iw mod sw): within a phase the taps that land on
//                    whole dy pixels are fixed and consecutive dx pixels of the phase read
//                    consecutive dy pixels, a stride-1 convolution of dy padded with zeros with
//                    weights W[kh, kw] transposed ([Co, Ci]). Phases no tap reaches stay 0.

import * as tf from "@tensorflow/tfjs-core";
import { simdLoops, type SimdLoops } from "./simd_module.js";
import { asWasmBackend, index32, offsetOf, release, type WasmBackendLike } from "./wasm_heap.js";

type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
};

/** One direct convolution over rows of output pixels; addresses and strides in bytes. */
interface RowConv {
  images: number;
  rows: number; // output rows per image
  cols: number; // output pixels per row
  src: number; // address of the source for image 0, output row 0, pixel 0
  srcImage: number;
  srcRow: number;
  srcPix: number;
  out: number;
  outImage: number;
  outRow: number;
  outPix: number;
  taps: [number, number][]; // (source offset, weight offset) per tap
  weights: number;
  cin: number;
  cout: number;
}

function runRowConv(backend: WasmBackendLike, loops: SimdLoops, c: RowConv): void {
  if (c.rows <= 0 || c.cols <= 0 || c.images <= 0 || c.taps.length === 0) return;
  const tapsT = backend.makeOutput([c.taps.length * 2], "int32");
  const t0 = index32(backend, tapsT);
  c.taps.forEach(([x, w], i) => {
    backend.wasm.HEAP32[t0 + 2 * i] = x;
    backend.wasm.HEAP32[t0 + 2 * i + 1] = w;
  });
  const taps = offsetOf(backend, tapsT);
  const nTaps = c.taps.length;
  const co16 = c.cout - (c.cout % 16);
  const pairs = c.cols - (c.cols % 2);
  const { cin, cout, weights, srcPix, outPix, rows, srcRow, outRow } = c;
  for (let n = 0; n < c.images; n++) {
    const src = c.src + n * c.srcImage;
    const out = c.out + n * c.outImage;
    // Pixel pairs, then the last column when the row has an odd number of pixels.
    const blocks: [typeof loops.convRows2x16, typeof loops.convRows2x16, number, number, number][] =
      [];
    if (pairs > 0) blocks.push([loops.convRows2x16, loops.convRows2x4, src, out, pairs]);
    if (pairs < c.cols) {
      blocks.push([
        loops.convRows1x16,
        loops.convRows1x4,
        src + pairs * srcPix,
        out + pairs * outPix,
        1,
      ]);
    }
    for (const [by16, by4, s, o, nPix] of blocks) {
      if (co16 > 0) {
        by16(
          s,
          srcPix,
          nPix,
          taps,
          nTaps,
          cin,
          weights,
          cout,
          0,
          co16,
          o,
          outPix,
          rows,
          srcRow,
          outRow,
        );
      }
      if (co16 < cout) {
        by4(
          s,
          srcPix,
          nPix,
          taps,
          nTaps,
          cin,
          weights,
          cout,
          co16,
          cout,
          o,
          outPix,
          rows,
          srcRow,
          outRow,
        );
      }
    }
  }
  release(backend, tapsT);
}

/**
 * A zero-padded copy of the NHWC tensor t with `top` / `left` rows / columns before and room for
 * [hp, wp] in all, or t itself when nothing needs adding. The caller releases a copy.
 */
function padded(
  backend: WasmBackendLike,
  t: tf.TensorInfo,
  top: number,
  left: number,
  hp: number,
  wp: number,
): tf.TensorInfo {
  const [n, h, w, c] = t.shape;
  if (top === 0 && left === 0 && hp === h && wp === w) return t;
  const out = backend.makeOutput([n, hp, wp, c], "float32");
  const heap = backend.wasm.HEAPF32; // after the allocation
  const src = index32(backend, t);
  const dst = index32(backend, out);
  heap.fill(0, dst, dst + n * hp * wp * c);
  const run = w * c;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const s = src + (b * h + y) * run;
      heap.copyWithin(dst + ((b * hp + y + top) * wp + left) * c, s, s + run);
    }
  }
  return out;
}

/** y = conv2d(x, W) for float32 NHWC x, W [KH, KW, Ci, Co], Co % 4 == 0. */
function conv2dDirect(
  backend: WasmBackendLike,
  loops: SimdLoops,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const [n, h, w, ci] = x.shape;
  const { outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput([n, oh, ow, co], "float32");
  if (n * oh * ow * co === 0) return out;
  // Room for every source pixel read: the last output's last tap.
  const hp = Math.max(h + top, (oh - 1) * sh + (kh - 1) * dh + 1);
  const wp = Math.max(w + left, (ow - 1) * sw + (kw - 1) * dw + 1);
  const xp = padded(backend, x, top, left, hp, wp);
  const taps: [number, number][] = [];
  for (let y = 0; y < kh; y++) {
    for (let z = 0; z < kw; z++) {
      taps.push([(y * dh * wp + z * dw) * ci * 4, (y * kw + z) * ci * co * 4]);
    }
  }
  runRowConv(backend, loops, {
    images: n,
    rows: oh,
    cols: ow,
    src: offsetOf(backend, xp),
    srcImage: hp * wp * ci * 4,
    srcRow: sh * wp * ci * 4,
    srcPix: sw * ci * 4,
    out: offsetOf(backend, out),
    outImage: oh * ow * co * 4,
    outRow: ow * co * 4,
    outPix: co * 4,
    taps,
    weights: offsetOf(backend, filter),
    cin: ci,
    cout: co,
  });
  if (xp !== x) release(backend, xp);
  return out;
}

/** W[KH, KW, Ci, Co] -> [KH, KW, Co, Ci] (each tap's matrix transposed). */
function transposeTaps(backend: WasmBackendLike, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], "float32");
  const heap = backend.wasm.HEAPF32;
  const src = index32(backend, filter);
  const dst = index32(backend, out);
  for (let t = 0; t < kh * kw; t++) {
    const s = src + t * ci * co;
    const d = dst + t * co * ci;
    for (let i = 0; i < ci; i++)
      for (let o = 0; o < co; o++) heap[d + o * ci + i] = heap[s + i * co + o];
  }
  return out;
}

/** The taps of one phase along one axis: (tap index k, dy offset c = (a + pad - k) / s). */
function phaseTaps(a: number, pad: number, s: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < k; t++) {
    const d = a + pad - t;
    if (((d % s) + s) % s === 0) out.push([t, d / s]);
  }
  return out;
}

/** dx for float32 NHWC dy [N, OH, OW, Co], W [KH, KW, Ci, Co], Ci % 4 == 0. */
function conv2dBackpropInputDirect(
  backend: WasmBackendLike,
  loops: SimdLoops,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const [n, h, w, ci] = info.inShape;
  const [, oh, ow, co] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const dx = backend.makeOutput([n, h, w, ci], "float32");
  if (n * h * w * ci === 0) return dx;

  // Phases along each axis: the dx rows a, a+s, ... (count), their taps and dy offsets.
  const axis = (size: number, pad: number, s: number, k: number) =>
    Array.from({ length: Math.min(s, size) }, (_, a) => ({
      a,
      count: Math.ceil((size - a) / s),
      taps: phaseTaps(a, pad, s, k),
    }));
  const rowsP = axis(h, top, sh, kh);
  const colsP = axis(w, left, sw, kw);
  // dy padding so that every (output row + offset) lands inside the padded copy.
  const extent = (phases: typeof rowsP, size: number) => {
    let before = 0;
    let after = 0;
    for (const p of phases) {
      for (const [, c] of p.taps) {
        before = Math.max(before, -c);
        after = Math.max(after, p.count - 1 + c - (size - 1));
      }
    }
    return [before, after];
  };
  const [padT, padB] = extent(rowsP, oh);
  const [padL, padR] = extent(colsP, ow);
  const hp = oh + padT + padB;
  const wp = ow + padL + padR;
  if (rowsP.some((p) => p.taps.length === 0) || colsP.some((p) => p.taps.length === 0)) {
    const i0 = index32(backend, dx);
    backend.wasm.HEAPF32.fill(0, i0, i0 + n * h * w * ci);
  }
  const dyp = padded(backend, dy, padT, padL, hp, wp);
  const wt = transposeTaps(backend, filter);
  const dyAddr = offsetOf(backend, dyp);
  const dxAddr = offsetOf(backend, dx);
  for (const rp of rowsP) {
    for (const cp of colsP) {
      const taps: [number, number][] = [];
      for (const [ty, cy] of rp.taps) {
        for (const [tx, cx] of cp.taps) {
          taps.push([(cy * wp + cx) * co * 4, (ty * kw + tx) * co * ci * 4]);
        }
      }
      runRowConv(backend, loops, {
        images: n,
        rows: rp.count,
        cols: cp.count,
        src: dyAddr + (padT * wp + padL) * co * 4,
        srcImage: hp * wp * co * 4,
        srcRow: wp * co * 4,
        srcPix: co * 4,
        out: dxAddr + (rp.a * w + cp.a) * ci * 4,
        outImage: h * w * ci * 4,
        outRow: sh * w * ci * 4,
        outPix: sw * ci * 4,
        taps,
        weights: offsetOf(backend, wt),
        cin: co,
        cout: ci,
      });
    }
  }
  release(backend, wt);
  if (dyp !== dy) release(backend, dyp);
  return dx;
}

function fallback(original: tf.KernelConfig | undefined, name: string, args: KernelArgs) {
  if (original == null) throw new Error(`resnetc ${name}: no original kernel to fall back to`);
  return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/**
 * Forward convolutions with filters up to this many floats run direct. The loops stream every
 * tap's weights once per pair of output pixels, which stays in cache (L2) up to about 3x3x128x192
 * (on the dev machine, weights new every call as in training: 24-28 GMAC/s against XNNPACK's
 * 19-22); from 3x3x128x256 up XNNPACK, which packs the filter for locality, is faster (3x3x256x256:
 * 14 against 20 GMAC/s). The input gradient always runs direct: its XNNPACK route flips the filter
 * in JS and repacks it every call, and is slower at every size measured.
 */
export const DIRECT_MAX_FILTER_FLOATS = 200_000;

/**
 * The loops, when the tensors are float32 NHWC, `channels` (the output's) is a multiple of 4 and
 * the filter has at most maxFilter floats.
 */
function loopsFor(
  backend: WasmBackendLike,
  dataFormat: string | undefined,
  channels: number,
  maxFilter: number,
  filter: tf.TensorInfo,
  ...ts: tf.TensorInfo[]
): SimdLoops | null {
  if (dataFormat === "NCHW" || channels % 4 !== 0) return null;
  if (tf.util.sizeFromShape(filter.shape) > maxFilter) return null;
  if (filter.dtype !== "float32") return null;
  if (ts.some((t) => t.dtype !== "float32")) return null;
  return simdLoops(backend.wasm);
}

/**
 * Conv2D or FusedConv2D (the latter only without bias, prelu weights or activation: anything
 * else goes to the original kernel, as does NCHW and Co % 4 != 0).
 */
export function makeConv2dConfig(
  kernelName: "Conv2D" | "FusedConv2D",
  original: tf.KernelConfig | undefined,
): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const backend = asWasmBackend(args.backend);
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const plain =
      kernelName === "Conv2D" ||
      (bias == null &&
        preluActivationWeights == null &&
        (attrs.activation == null || attrs.activation === "linear"));
    const loops =
      plain && x != null && filter != null
        ? loopsFor(backend, attrs.dataFormat, filter.shape[3], DIRECT_MAX_FILTER_FLOATS, filter, x)
        : null;
    if (loops == null) return fallback(original, kernelName, args);
    const info = tf.backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number],
      filter!.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      "channelsLast",
    );
    return conv2dDirect(backend, loops, x!, filter!, info);
  };
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    setupFunc: original?.setupFunc,
  };
}

/**
 * The direct input gradient when it applies (float32 NHWC, Ci % 4 == 0), else null: the caller
 * (conv2d_backprop_input.ts) then takes its XNNPACK route.
 */
export function conv2dBackpropInputDirectOrNull(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.Conv2DBackpropInputAttrs,
): tf.TensorInfo | null {
  const loops = loopsFor(backend, attrs.dataFormat, attrs.inputShape[3], Infinity, filter, dy);
  if (loops == null) return null;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  return conv2dBackpropInputDirect(backend, loops, dy, filter, info);
}
