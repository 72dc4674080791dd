// The convolution loops of the SIMD module (../simd_module.ts): the filter gradient's
// outer-product sums for one tap (conv2d_backprop_filter.ts, and winograd.ts's filter gradient)
// and direct convolutions over blocks of output pixels (conv_direct.ts, and winograd.ts's
// per-element matrix products, as one-tap convolutions). Channel counts are in groups of 4
// floats (one v128); callers check that.

import { F32X4_ADD, F32X4_MUL, I32, I32_ADD, I32_MUL, V128, type FuncDef } from "./assembler.js";

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
export function filterTap(name: string, ciB: number, coV: number): FuncDef {
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
                for (let v = 0; v < coV; v++) {
                  b.get(accs[j][v]).get(sp).get(d[v]).f32x4(F32X4_MUL);
                  b.f32x4(F32X4_ADD).set(accs[j][v]);
                }
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
 */
export function convRows(name: string, P: number, coV: number): FuncDef {
  return {
    name,
    params: 15,
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

      b.get(cols).i32(4).op(I32_MUL).set(colBytes);
      b.get(nTaps).i32(8).op(I32_MUL).get(taps).op(I32_ADD).set(tEnd);
      b.get(coFrom).set(cob);
      b.whileLess(cob, coTo, () => {
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
                  for (let v = 0; v < coV; v++) {
                    b.get(accs[p][v]).get(sp).get(wv[v]).f32x4(F32X4_MUL);
                    b.f32x4(F32X4_ADD).set(accs[p][v]);
                  }
                }
                for (let p = 0; p < P; p++) b.addTo(xs[p], 4);
                b.addTo(wp, colBytes, true);
              });
              b.addTo(tp, 8);
            });
            // out[pixel p, cob + 4v ...] = accs[p][v]
            b.get(yb).set(wp);
            for (let p = 0; p < P; p++) {
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
