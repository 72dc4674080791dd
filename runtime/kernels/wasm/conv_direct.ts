// Direct convolutions in resnetc's SIMD module (simd_module.ts, convRows; the FMA and epilogue
// variants from conv_module.ts), for the forward conv (Conv2D; FusedConv2D with a bias and/or
// relu, applied as the output is stored; ResnetcFusedConv2D, fused_conv.ts, which also adds a
// residual there) and the input gradient (Conv2DBackpropInput), float32 channels-last with output
// channels a multiple of 4 (forward filters up to DIRECT_MAX_FILTER_FLOATS; larger ones run faster
// on XNNPACK).
// XNNPACK's convolution, which these replace, ran ResNet-20's 3x3 layers at about 7-8 ms per
// [64,32,32,16] call; the direct loops take about 5-6, and the strided input gradient no longer
// multiplies the zeros XNNPACK's route inserts into dy (3 of every 4 products).
//
// Both are the same computation: for each output pixel, sum over a list of taps of a
// [cin] x [cin, cout] product, with the source pixel of a tap at a fixed byte offset from the
// output pixel's base. The output is cut into rectangles (the interior, the border rows and
// columns) whose pixels all read the same taps inside the source, so the loops need neither
// bounds checks nor a zero-padded copy of the source; taps that would read padding are left out.
//
//   forward:         source x, output pixel (oh, ow) based at (oh*sh - padTop, ow*sw - padLeft);
//                    tap (kh, kw) at (kh*dh, kw*dw), weights W[kh, kw] as they are ([Ci, Co]).
//   input gradient:  dx[n, ih, iw, ci] = sum over (kh, kw) with oh = (ih + padTop - kh) / sh and
//                    ow likewise integers, of dy[n, oh, ow, :] . W[kh, kw, ci, :]. Split dx into
//                    sh x sw phases (ih mod sh, iw mod sw): within a phase the taps that land on
//                    whole dy pixels are fixed and consecutive dx pixels of the phase read
//                    consecutive dy pixels, a stride-1 convolution of dy with weights
//                    W[kh, kw] transposed ([Co, Ci]). Pixels no tap reaches are 0.

import * as tf from "@tensorflow/tfjs-core";
import { callOriginal, wasmKernelConfig, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import {
  convLoops,
  convRoute,
  epilogueFlags,
  type ConvLoops,
  type ConvRowsE,
  type Epilogue,
} from "./conv_module.js";
import type { ConvRows } from "./simd_module.js";
import { winograd3x3, winogradFits } from "./winograd.js";
import {
  asWasmBackend,
  index32,
  offsetOf,
  release,
  runWasmKernel,
  type WasmBackendLike,
} from "./wasm_heap.js";

/**
 * A direct convolution over a rectangle of output pixels in every image, with the taps valid
 * for all of them; addresses and strides in bytes. Addresses may point outside the tensors (a
 * pixel base left of column 0): only base + tap offset, always inside, is ever read.
 */
interface Region {
  rows: number; // output rows
  cols: number; // output pixels per row
  src: number; // source base of image 0's first pixel of the region
  out: number; // output address of image 0's first pixel of the region
  taps: [number, number][]; // (source offset, weight offset) per tap
}

/** The part every region of one convolution shares. */
interface Geometry {
  images: number;
  srcImage: number;
  srcRow: number;
  srcPix: number;
  outImage: number;
  outRow: number;
  outPix: number;
  weights: number;
  cin: number;
  cout: number;
  /** The output tensor's address (for the residual's offset from it), with an epilogue. */
  outTensor?: number;
}

function runRegions(
  backend: WasmBackendLike,
  loops: ConvLoops,
  g: Geometry,
  regions: Region[],
  epilogue?: Epilogue,
): void {
  const flags = epilogueFlags(epilogue);
  // With an epilogue, pixels that see only padding still get bias, residual and ReLU: no taps.
  const live = regions.filter(
    (r) => r.rows > 0 && r.cols > 0 && (r.taps.length > 0 || flags !== 0),
  );
  if (live.length === 0 || g.images <= 0) return;
  const nAll = live.reduce((a, r) => a + r.taps.length, 0);
  const tapsT = backend.makeOutput([nAll * 2], "int32");
  const heap = backend.wasm.HEAP32; // after the allocation
  let k = index32(backend, tapsT);
  const tapAddr: number[] = [];
  for (const r of live) {
    tapAddr.push(offsetOf(backend, tapsT) + (k - index32(backend, tapsT)) * 4);
    for (const [x, w] of r.taps) {
      heap[k++] = x;
      heap[k++] = w;
    }
  }
  const { cin, cout, weights, srcPix, outPix, srcRow, outRow } = g;
  const co16 = cout - (cout % 16);
  const resDelta = (epilogue?.residual ?? 0) - (g.outTensor ?? 0);
  const bias = epilogue?.bias ?? 0;
  const rows: ConvRows[] = [
    loops.convRows2x16,
    loops.convRows1x16,
    loops.convRows2x4,
    loops.convRows1x4,
  ];
  const rowsE: ConvRowsE[] = [
    loops.convRowsE2x16,
    loops.convRowsE1x16,
    loops.convRowsE2x4,
    loops.convRowsE1x4,
  ];
  for (let n = 0; n < g.images; n++) {
    live.forEach((r, ri) => {
      const taps = tapAddr[ri];
      const nTaps = r.taps.length;
      const pairs = r.cols - (r.cols % 2);
      const src = r.src + n * g.srcImage;
      const out = r.out + n * g.outImage;
      // Pixel pairs, then the last column when the row has an odd number of pixels.
      const call = (k: number, s0: number, o0: number, nPix: number, c0: number, c1: number) => {
        const args = [
          s0,
          srcPix,
          nPix,
          taps,
          nTaps,
          cin,
          weights,
          cout,
          c0,
          c1,
          o0,
          outPix,
          r.rows,
          srcRow,
          outRow,
        ] as const;
        if (flags === 0) rows[k](...args);
        else rowsE[k](...args, bias, resDelta, flags);
      };
      const last = [src + pairs * srcPix, out + pairs * outPix] as const;
      if (co16 > 0) {
        if (pairs > 0) call(0, src, out, pairs, 0, co16);
        if (pairs < r.cols) call(1, last[0], last[1], 1, 0, co16);
      }
      if (co16 < cout) {
        if (pairs > 0) call(2, src, out, pairs, co16, cout);
        if (pairs < r.cols) call(3, last[0], last[1], 1, co16, cout);
      }
    });
  }
  release(backend, tapsT);
}

/**
 * Splits the outputs 0..count-1 along one axis into runs that read the same taps: tap t is
 * valid for output o when src(o, t) lies in [0, size).
 */
function axisRuns(
  count: number,
  nTaps: number,
  size: number,
  src: (o: number, t: number) => number,
): { from: number; to: number; taps: number[] }[] {
  const runs: { from: number; to: number; taps: number[] }[] = [];
  for (let o = 0; o < count; o++) {
    const taps: number[] = [];
    for (let t = 0; t < nTaps; t++) {
      const i = src(o, t);
      if (i >= 0 && i < size) taps.push(t);
    }
    const prev = runs[runs.length - 1];
    if (prev != null && prev.taps.join() === taps.join()) prev.to = o + 1;
    else runs.push({ from: o, to: o + 1, taps });
  }
  return runs;
}

/**
 * y = conv2d(x, W) for float32 NHWC x, W [KH, KW, Ci, Co], Co % 4 == 0, with the epilogue
 * (bias, residual, ReLU) applied as y is stored.
 */
export function conv2dDirect(
  kernelName: string,
  backend: WasmBackendLike,
  loops: ConvLoops,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  epilogue?: Epilogue,
): tf.TensorInfo {
  const [n, h, w, ci] = x.shape;
  const { outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  if (WINOGRAD && kh === 3 && kw === 3 && sh === 1 && sw === 1 && dh === 1 && dw === 1) {
    // A residual is added in Winograd's stores only when the output is not cropped.
    const evenOrNoResidual = epilogue?.residual == null || (oh % 2 === 0 && ow % 2 === 0);
    if (ci % 4 === 0 && co > 0 && winogradFits(n, oh, ow, ci) && evenOrNoResidual) {
      traceRoute(kernelName, convRoute("winograd", loops, epilogue));
      const taps = { w: offsetOf(backend, filter), tapStride: ci * co * 4 };
      return winograd3x3(backend, loops, x, top, left, oh, ow, co, taps, epilogue);
    }
  }
  traceRoute(kernelName, convRoute("direct", loops, epilogue));
  const out = backend.makeOutput([n, oh, ow, co], "float32");
  if (n * oh * ow * co === 0) return out;
  const rowRuns = axisRuns(oh, kh, h, (o, t) => o * sh + t * dh - top);
  const colRuns = axisRuns(ow, kw, w, (o, t) => o * sw + t * dw - left);
  if (rowRuns.some((r) => r.taps.length === 0) || colRuns.some((r) => r.taps.length === 0)) {
    const i0 = index32(backend, out); // outputs that see only padding
    backend.wasm.HEAPF32.fill(0, i0, i0 + n * oh * ow * co);
  }
  const xAddr = offsetOf(backend, x);
  const yAddr = offsetOf(backend, out);
  const regions: Region[] = [];
  for (const rr of rowRuns) {
    for (const cr of colRuns) {
      const taps: [number, number][] = [];
      for (const y of rr.taps) {
        for (const z of cr.taps) {
          taps.push([(y * dh * w + z * dw) * ci * 4, (y * kw + z) * ci * co * 4]);
        }
      }
      regions.push({
        rows: rr.to - rr.from,
        cols: cr.to - cr.from,
        src: xAddr + ((rr.from * sh - top) * w + (cr.from * sw - left)) * ci * 4,
        out: yAddr + (rr.from * ow + cr.from) * co * 4,
        taps,
      });
    }
  }
  runRegions(
    backend,
    loops,
    {
      images: n,
      srcImage: h * w * ci * 4,
      srcRow: sh * w * ci * 4,
      srcPix: sw * ci * 4,
      outImage: oh * ow * co * 4,
      outRow: ow * co * 4,
      outPix: co * 4,
      weights: offsetOf(backend, filter),
      cin: ci,
      cout: co,
      outTensor: yAddr,
    },
    regions,
    epilogue,
  );
  return out;
}

/** W[KH, KW, Ci, Co] -> [KH, KW, Co, Ci] (each tap's matrix transposed), by the backend. */
function transposeTaps(backend: WasmBackendLike, filter: tf.TensorInfo): tf.TensorInfo {
  return runWasmKernel(backend, "Transpose", { x: filter }, { perm: [0, 1, 3, 2] });
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
  loops: ConvLoops,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const [n, h, w, ci] = info.inShape;
  const [, oh, ow, co] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const wino = kh === 3 && kw === 3 && sh === 1 && sw === 1 && co % 4 === 0;
  if (WINOGRAD && wino && winogradFits(n, h, w, co)) {
    traceRoute(tf.Conv2DBackpropInput, convRoute("winograd", loops));
    // dx is the 3x3 stride-1 convolution of dy with W flipped and transposed, pads 2 - pad:
    // the transposed taps ([3, 3, Co, Ci]) read last to first.
    const wt = transposeTaps(backend, filter);
    const plane = co * ci * 4;
    const taps = { w: offsetOf(backend, wt) + 8 * plane, tapStride: -plane };
    const dx = winograd3x3(backend, loops, dy, 2 - top, 2 - left, h, w, ci, taps);
    release(backend, wt);
    return dx;
  }
  // Strided: dx in sh x sw phases, each a stride-1 convolution of dy.
  traceRoute(tf.Conv2DBackpropInput, convRoute(sh * sw > 1 ? "phases" : "direct", loops));
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
  const wt = transposeTaps(backend, filter);
  const dyAddr = offsetOf(backend, dy);
  const dxAddr = offsetOf(backend, dx);
  const regions: Region[] = [];
  let uncovered = false;
  for (const rp of rowsP) {
    // Within the phase, dx row i reads dy row i + c for each tap (k, c): valid inside dy.
    const rowRuns = axisRuns(rp.count, rp.taps.length, oh, (i, t) => i + rp.taps[t][1]);
    for (const cp of colsP) {
      const colRuns = axisRuns(cp.count, cp.taps.length, ow, (j, t) => j + cp.taps[t][1]);
      for (const rr of rowRuns) {
        for (const cr of colRuns) {
          const taps: [number, number][] = [];
          for (const ty of rr.taps) {
            for (const tx of cr.taps) {
              const [ky, cy] = rp.taps[ty];
              const [kx, cx] = cp.taps[tx];
              taps.push([(cy * ow + cx) * co * 4, (ky * kw + kx) * co * ci * 4]);
            }
          }
          if (taps.length === 0) uncovered = true;
          regions.push({
            rows: rr.to - rr.from,
            cols: cr.to - cr.from,
            src: dyAddr + (rr.from * ow + cr.from) * co * 4,
            out: dxAddr + ((rp.a + sh * rr.from) * w + cp.a + sw * cr.from) * ci * 4,
            taps,
          });
        }
      }
    }
  }
  if (uncovered) {
    const i0 = index32(backend, dx); // dx pixels whose taps all fall outside dy: 0
    backend.wasm.HEAPF32.fill(0, i0, i0 + n * h * w * ci);
  }
  runRegions(
    backend,
    loops,
    {
      images: n,
      srcImage: oh * ow * co * 4,
      srcRow: ow * co * 4,
      srcPix: co * 4,
      outImage: h * w * ci * 4,
      outRow: sh * w * ci * 4,
      outPix: sw * ci * 4,
      weights: offsetOf(backend, wt),
      cin: co,
      cout: ci,
    },
    regions,
  );
  release(backend, wt);
  return dx;
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
 * 3x3 stride-1 convolutions (forward and input gradient) run as Winograd F(2x2, 3x3)
 * (winograd.ts): on ResNet-20's layers 1.2-1.8x faster than the direct loops.
 */
const WINOGRAD = true;

/**
 * The loops, when the tensors are float32 NHWC, `channels` (the output's) is a multiple of 4 and
 * the filter has at most maxFilter floats.
 */
export function loopsFor(
  backend: WasmBackendLike,
  dataFormat: string | undefined,
  channels: number,
  maxFilter: number,
  filter: tf.TensorInfo,
  ...ts: tf.TensorInfo[]
): ConvLoops | null {
  if (dataFormat === "NCHW" || channels % 4 !== 0) return null;
  if (tf.util.sizeFromShape(filter.shape) > maxFilter) return null;
  if (filter.dtype !== "float32") return null;
  if (ts.some((t) => t.dtype !== "float32")) return null;
  return convLoops(backend.wasm);
}

/**
 * Conv2D or FusedConv2D (the latter with a [Co] bias and/or activation relu or linear, applied in
 * the loops' stores; prelu, leakyrelu and the other activations go to the original kernel, as do
 * NCHW and Co % 4 != 0).
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
    const act = attrs.activation;
    const fusable =
      kernelName === "Conv2D" ||
      (preluActivationWeights == null &&
        (act == null || act === "linear" || act === "relu") &&
        (bias == null || (bias.shape.length === 1 && bias.shape[0] === filter?.shape[3])));
    const extra = bias != null && kernelName === "FusedConv2D" ? [bias] : [];
    const loops =
      fusable && x != null && filter != null
        ? loopsFor(
            backend,
            attrs.dataFormat,
            filter.shape[3],
            DIRECT_MAX_FILTER_FLOATS,
            filter,
            x,
            ...extra,
          )
        : null;
    if (loops == null) return callOriginal(original, kernelName, args, "xnnpack");
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
    const epilogue: Epilogue | undefined =
      kernelName === "FusedConv2D"
        ? {
            bias: bias != null ? offsetOf(backend, bias) : null,
            residual: null,
            relu: act === "relu",
          }
        : undefined;
    return conv2dDirect(kernelName, backend, loops, x!, filter!, info, epilogue);
  };
  return wasmKernelConfig(kernelName, original, kernelFunc);
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
  return conv2dBackpropInputDirect(backend, loops, dy, filter, inputGradInfo(attrs, filter));
}

/** The forward convolution's Conv2DInfo (NHWC) for an input gradient's attributes. */
export function inputGradInfo(
  attrs: tf.Conv2DBackpropInputAttrs,
  filter: tf.TensorInfo,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}
