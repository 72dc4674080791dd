// The convolution loops of the SIMD module (../simd_module.ts): the filter gradient's
// outer-product sums for one tap (conv2d_backprop_filter.ts, and winograd.ts's filter gradient)
// and direct convolutions over blocks of output pixels (conv_direct.ts, and winograd.ts's
// per-element matrix products, as one-tap convolutions). Channel counts are in groups of 4
// floats (one v128); callers check that.

import {
  F32X4_ADD,
  F32X4_MAX,
  F32X4_MUL,
  F32X4_RELAXED_MADD,
  I32,
  I32_ADD,
  I32_AND,
  I32_MUL,
  V128,
  type Body,
  type FuncDef,
} from "./assembler.js";

/**
 * acc += a * x (v128 locals): f32x4.mul then f32x4.add (two roundings), or with `fma` one
 * f32x4.relaxed_madd (relaxed SIMD; V8 emits vfmadd where the CPU has FMA3: one rounding).
 */
function mac(b: Body, acc: number, a: number, x: number, fma: boolean): void {
  if (fma) {
    b.get(a).get(x).get(acc).simd(F32X4_RELAXED_MADD).set(acc);
  } else {
    b.get(acc).get(a).get(x).f32x4(F32X4_MUL);
    b.f32x4(F32X4_ADD).set(acc);
  }
}

/** The epilogue flags of convRows(..., { epilogue: true }): what is applied before the store. */
export const EPILOGUE_BIAS = 1;
export const EPILOGUE_RESIDUAL = 2;
export const EPILOGUE_RELU = 4;

/** How a loop variant is assembled: fused multiply-adds, and (convRows) an epilogue. */
export interface LoopVariant {
  fma?: boolean;
  epilogue?: boolean;
}

/**
 * The filter gradient's inner loops for one tap of one image (see conv2d_backprop_filter.ts):
 *
 *   acc[c, o] += sum over r < nRows, i < count of  x[c] at x + r*xRowStride + i*xColStride
 *                                                * dy[o] at dy + r*dyRowStride + i*4*cols
 *
 * (acc and dy rows are `cols` floats long, strides in bytes) for c in [ciFrom, ciTo) in blocks of
 * ciB and o in [coFrom, coTo) in blocks of 4*coV, with the ciB x coV v128 sums of a block held in
 * locals over the whole rectangle. x values are splatted (load32_splat), dy rows loaded as v128s.
 */
export function filterTap(name: string, ciB: number, coV: number, fma = false): FuncDef {
  return {
    name,
    params: 13,
    build: (b) => {
      const [x, dy, acc, nRows, count, xRowStride, xColStride, dyRowStride] = [
        0, 1, 2, 3, 4, 5, 6, 7,
      ];
      const [ciFrom, ciTo, coFrom, coTo, cols] = [8, 9, 10, 11, 12];
      const ci = b.local(I32);
      const cob = b.local(I32);
      const xr = b.local(I32);
      const dr = b.local(I32);
      const rEnd = b.local(I32);
      const xp = b.local(I32);
      const dp = b.local(I32);
      const dEnd = b.local(I32);
      const colBytes = b.local(I32);
      const ap = b.local(I32);
      const accs: number[][] = [];
      for (let j = 0; j < ciB; j++) accs.push(Array.from({ length: coV }, () => b.local(V128)));
      const d = Array.from({ length: coV }, () => b.local(V128));
      const sp = b.local(V128);

      b.get(cols).i32(4).op(I32_MUL).set(colBytes);
      b.get(ciFrom).set(ci);
      b.whileLess(ci, ciTo, () => {
        b.get(coFrom).set(cob);
        b.whileLess(cob, coTo, () => {
          for (const row of accs) for (const a of row) b.v128Zero().set(a);
          b.get(x).get(ci).i32(4).op(I32_MUL).op(I32_ADD).set(xr);
          b.get(dy).get(cob).i32(4).op(I32_MUL).op(I32_ADD).set(dr);
          b.get(nRows).get(dyRowStride).op(I32_MUL).get(dr).op(I32_ADD).set(rEnd);
          b.whileLess(dr, rEnd, () => {
            b.get(xr).set(xp);
            b.get(dr).set(dp);
            b.get(count).get(colBytes).op(I32_MUL).get(dr).op(I32_ADD).set(dEnd);
            b.whileLess(dp, dEnd, () => {
              for (let v = 0; v < coV; v++)
                b.get(dp)
                  .load(16 * v)
                  .set(d[v]);
              for (let j = 0; j < ciB; j++) {
                b.get(xp)
                  .load32Splat(4 * j)
                  .set(sp); // v128.load32_splat
                for (let v = 0; v < coV; v++) mac(b, accs[j][v], sp, d[v], fma);
              }
              b.addTo(xp, xColStride, true);
              b.addTo(dp, colBytes, true);
            });
            b.addTo(xr, xRowStride, true);
            b.addTo(dr, dyRowStride, true);
          });
          // acc[ci + j, cob + 4v ...] += the accumulators
          b.get(ci)
            .get(cols)
            .op(I32_MUL)
            .get(cob)
            .op(I32_ADD)
            .i32(4)
            .op(I32_MUL)
            .get(acc)
            .op(I32_ADD)
            .set(ap);
          for (let j = 0; j < ciB; j++) {
            for (let v = 0; v < coV; v++) {
              b.get(ap)
                .get(ap)
                .load(16 * v)
                .get(accs[j][v])
                .f32x4(F32X4_ADD)
                .store(16 * v);
            }
            b.addTo(ap, colBytes, true);
          }
          b.addTo(cob, 4 * coV);
        });
        b.addTo(ci, ciB);
      });
    },
  };
}

/**
 * A direct convolution over a block of output pixels (see conv_direct.ts): rows r < nRows of
 * pixels j < nPix (in steps of P: the caller gives a multiple of P), for o in [coFrom, coTo) in
 * blocks of 4*coV,
 *
 *   out[r, j, o] = sum over taps t < nTaps, c < cin of
 *                  x[c] at src + r*srcRowStride + j*srcPixStride + tapX[t]  *  w[c, o] at w + tapW[t]
 *
 * written at out + r*outRowStride + j*outPixStride. taps is an int32 array of (tapX, tapW) byte
 * offsets; each tap's weights are a [cin, cols] float32 matrix. The co block is the outer loop, so
 * its slice of the weights (taps x cin x 4*coV floats) stays in L1 over all the pixels.
 *
 * With `epilogue`, three more parameters (bias, resDelta, flags) and, before each store, by the
 * bits of flags: + bias[o] (EPILOGUE_BIAS, bias a [cols] float32 vector), + the residual at the
 * output's address + resDelta bytes (EPILOGUE_RESIDUAL, laid out as the output), then
 * max(0, .) (EPILOGUE_RELU): one pass over the output, no second tensor.
 */
export function convRows(name: string, P: number, coV: number, variant: LoopVariant = {}): FuncDef {
  const { fma = false, epilogue = false } = variant;
  return {
    name,
    params: epilogue ? 18 : 15,
    build: (b) => {
      const [src, srcPixStride, nPix, taps, nTaps, cin, w, cols] = [0, 1, 2, 3, 4, 5, 6, 7];
      const [coFrom, coTo, out, outPixStride, nRows, srcRowStride, outRowStride] = [
        8, 9, 10, 11, 12, 13, 14,
      ];
      const pi = b.local(I32);
      const r = b.local(I32);
      const xrow = b.local(I32);
      const yrow = b.local(I32);
      const xb = b.local(I32);
      const yb = b.local(I32);
      const cob = b.local(I32);
      const tp = b.local(I32);
      const tEnd = b.local(I32);
      const wp = b.local(I32);
      const xe = b.local(I32);
      const colBytes = b.local(I32);
      const xs = Array.from({ length: P }, () => b.local(I32));
      const accs: number[][] = [];
      for (let p = 0; p < P; p++) accs.push(Array.from({ length: coV }, () => b.local(V128)));
      const wv = Array.from({ length: coV }, () => b.local(V128));
      const sp = b.local(V128);
      const [bias, resDelta, flags] = [15, 16, 17];
      const bv = epilogue ? Array.from({ length: coV }, () => b.local(V128)) : [];
      const flag = (bit: number, then: () => void) =>
        b.get(flags).i32(bit).op(I32_AND).ifThen(then);

      b.get(cols).i32(4).op(I32_MUL).set(colBytes);
      b.get(nTaps).i32(8).op(I32_MUL).get(taps).op(I32_ADD).set(tEnd);
      b.get(coFrom).set(cob);
      b.whileLess(cob, coTo, () => {
        if (epilogue) {
          flag(EPILOGUE_BIAS, () => {
            for (let v = 0; v < coV; v++)
              b.get(bias)
                .get(cob)
                .i32(4)
                .op(I32_MUL)
                .op(I32_ADD)
                .load(16 * v)
                .set(bv[v]);
          });
        }
        b.get(src).set(xrow);
        b.get(out).get(cob).i32(4).op(I32_MUL).op(I32_ADD).set(yrow);
        b.i32(0).set(r);
        b.whileLess(r, nRows, () => {
          b.get(xrow).set(xb);
          b.get(yrow).set(yb);
          b.i32(0).set(pi);
          b.whileLess(pi, nPix, () => {
            for (const row of accs) for (const a of row) b.v128Zero().set(a);
            b.get(taps).set(tp);
            b.whileLess(tp, tEnd, () => {
              // xs[p] = xb + tapX + p*srcPixStride; wp = w + tapW + cob*4
              b.get(xb).get(tp).loadI32().op(I32_ADD).set(xs[0]);
              for (let p = 1; p < P; p++)
                b.get(xs[p - 1])
                  .get(srcPixStride)
                  .op(I32_ADD)
                  .set(xs[p]);
              b.get(w)
                .get(tp)
                .loadI32(4)
                .op(I32_ADD)
                .get(cob)
                .i32(4)
                .op(I32_MUL)
                .op(I32_ADD)
                .set(wp);
              b.get(xs[0]).get(cin).i32(4).op(I32_MUL).op(I32_ADD).set(xe);
              b.whileLess(xs[0], xe, () => {
                for (let v = 0; v < coV; v++)
                  b.get(wp)
                    .load(16 * v)
                    .set(wv[v]);
                for (let p = 0; p < P; p++) {
                  b.get(xs[p]).load32Splat().set(sp); // v128.load32_splat
                  for (let v = 0; v < coV; v++) mac(b, accs[p][v], sp, wv[v], fma);
                }
                for (let p = 0; p < P; p++) b.addTo(xs[p], 4);
                b.addTo(wp, colBytes, true);
              });
              b.addTo(tp, 8);
            });
            // out[pixel p, cob + 4v ...] = accs[p][v]
            b.get(yb).set(wp);
            for (let p = 0; p < P; p++) {
              if (epilogue) epilogueAt(b, accs[p], wp, bv, resDelta, flag);
              for (let v = 0; v < coV; v++)
                b.get(wp)
                  .get(accs[p][v])
                  .store(16 * v);
              b.addTo(wp, outPixStride, true);
            }
            b.get(wp).set(yb);
            b.addTo(pi, P);
            for (let p = 0; p < P; p++) b.addTo(xb, srcPixStride, true);
          });
          b.addTo(r, 1);
          b.addTo(xrow, srcRowStride, true);
          b.addTo(yrow, outRowStride, true);
        });
        b.addTo(cob, 4 * coV);
      });
    },
  };
}

/** The epilogue of convRows on one pixel's accumulators (output at address local `wp`). */
function epilogueAt(
  b: Body,
  accs: number[],
  wp: number,
  bv: number[],
  resDelta: number,
  flag: (bit: number, then: () => void) => void,
): void {
  flag(EPILOGUE_BIAS, () => {
    accs.forEach((a, v) => b.get(a).get(bv[v]).f32x4(F32X4_ADD).set(a));
  });
  flag(EPILOGUE_RESIDUAL, () => {
    accs.forEach((a, v) => {
      b.get(a)
        .get(wp)
        .get(resDelta)
        .op(I32_ADD)
        .load(16 * v)
        .f32x4(F32X4_ADD)
        .set(a);
    });
  });
  flag(EPILOGUE_RELU, () => {
    accs.forEach((a) => b.get(a).v128Zero().f32x4(F32X4_MAX).set(a));
  });
}
