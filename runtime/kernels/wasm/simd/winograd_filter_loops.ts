// The Winograd F(2x2, 3x3) filter transforms (../winograd.ts), in SIMD: per call they touch every
// weight, whatever the batch, and in JS (float64, element by element) they were most of a small
// batch's time (measured: a third of a batch-1 8x8 64->64 FusedConv2D call).
//
// Both work plane by plane: a 3x3 filter is 9 planes of Ci*Co floats (one per tap), its
// transform 16 planes of the same size, and every (ci, co) is transformed on its own, so the
// loops run over the plane 4 floats (one v128) at a time with the taps' planes `tapStride` bytes
// apart (negative: the filter flipped, tap 8 - t) and the transform's `planeBytes` apart.

import {
  F32X4_ADD,
  F32X4_MUL,
  F32X4_SUB,
  I32,
  I32_ADD,
  I32_MUL,
  V128,
  V128_CONST,
  type Body,
  type FuncDef,
} from "./assembler.js";

/** v128.const of four 0.5f. */
function half(b: Body): void {
  const bytes = [0x00, 0x00, 0x00, 0x3f]; // 0.5f little-endian
  b.simd(V128_CONST, ...bytes, ...bytes, ...bytes, ...bytes);
}

/** Pushes (x + y) * 0.5 for locals x, y, or (x - y) * 0.5 when `minus`. */
function halfSum(b: Body, x: number, y: number, minus = false): void {
  b.get(x)
    .get(y)
    .f32x4(minus ? F32X4_SUB : F32X4_ADD);
  half(b);
  b.f32x4(F32X4_MUL);
}

/**
 * winoFilter(w, tapStride, n4, u, planeBytes): U = G g G^T. For each of n4 groups of 4 floats,
 * g[t] (t = 3*kh + kw) at w + t*tapStride + 16*group; U[k] written at u + k*planeBytes + 16*group.
 *   G g:  rows g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2 (per column), then the same on rows.
 */
export const winoFilter: FuncDef = {
  name: "winoFilter",
  params: 5,
  build: (b) => {
    const [w, tapStride, n4, u, planeBytes] = [0, 1, 2, 3, 4];
    const i = b.local(I32);
    const p = b.local(I32);
    const g = Array.from({ length: 9 }, () => b.local(V128));
    const t = Array.from({ length: 12 }, () => b.local(V128)); // G g: 4 x 3
    const s = b.local(V128);
    b.i32(0).set(i);
    b.whileLess(i, n4, () => {
      b.get(w).get(i).i32(16).op(I32_MUL).op(I32_ADD).set(p);
      for (let k = 0; k < 9; k++) {
        b.get(p).load().set(g[k]);
        if (k < 8) b.addTo(p, tapStride, true);
      }
      for (let j = 0; j < 3; j++) {
        const [g0, g1, g2] = [g[j], g[3 + j], g[6 + j]];
        b.get(g0).set(t[j]);
        b.get(g0).get(g2).f32x4(F32X4_ADD).set(s);
        halfSum(b, s, g1);
        b.set(t[3 + j]);
        halfSum(b, s, g1, true);
        b.set(t[6 + j]);
        b.get(g2).set(t[9 + j]);
      }
      b.get(u).get(i).i32(16).op(I32_MUL).op(I32_ADD).set(p);
      for (let r = 0; r < 4; r++) {
        const [a, m, c] = [t[3 * r], t[3 * r + 1], t[3 * r + 2]];
        b.get(a).get(c).f32x4(F32X4_ADD).set(s);
        const outs: (() => void)[] = [
          () => b.get(a),
          () => halfSum(b, s, m),
          () => halfSum(b, s, m, true),
          () => b.get(c),
        ];
        for (const push of outs) {
          b.get(p);
          push();
          b.store();
          b.addTo(p, planeBytes, true);
        }
      }
      b.addTo(i, 1);
    });
  },
};

/**
 * winoFilterGrad(du, planeBytes, n4, dw, tapBytes): dW = G^T dU G, the filter gradient's inverse
 * transform. For each of n4 groups of 4 floats, dU[k] at du + k*planeBytes + 16*group; dW[t]
 * written at dw + t*tapBytes + 16*group.
 *   G^T u: u0 + (u1 + u2)/2, (u1 - u2)/2, (u1 + u2)/2 + u3 (per column), then the same on rows.
 */
export const winoFilterGrad: FuncDef = {
  name: "winoFilterGrad",
  params: 5,
  build: (b) => {
    const [du, planeBytes, n4, dw, tapBytes] = [0, 1, 2, 3, 4];
    const i = b.local(I32);
    const p = b.local(I32);
    const u = Array.from({ length: 16 }, () => b.local(V128));
    const t = Array.from({ length: 12 }, () => b.local(V128)); // G^T dU: 3 x 4
    const h = b.local(V128);
    // (x0, x1, x2, x3) -> x0 + h, (x1 - x2)/2, h + x3 with h = (x1 + x2)/2, into sink(k, push)
    const gT = (x: number[], sink: (k: number, push: () => void) => void) => {
      halfSum(b, x[1], x[2]);
      b.set(h);
      sink(0, () => b.get(x[0]).get(h).f32x4(F32X4_ADD));
      sink(1, () => halfSum(b, x[1], x[2], true));
      sink(2, () => b.get(h).get(x[3]).f32x4(F32X4_ADD));
    };
    b.i32(0).set(i);
    b.whileLess(i, n4, () => {
      b.get(du).get(i).i32(16).op(I32_MUL).op(I32_ADD).set(p);
      for (let k = 0; k < 16; k++) {
        b.get(p).load().set(u[k]);
        if (k < 15) b.addTo(p, planeBytes, true);
      }
      for (let j = 0; j < 4; j++) {
        gT([u[j], u[4 + j], u[8 + j], u[12 + j]], (k, push) => {
          push();
          b.set(t[4 * k + j]);
        });
      }
      b.get(dw).get(i).i32(16).op(I32_MUL).op(I32_ADD).set(p);
      for (let a = 0; a < 3; a++) {
        gT(t.slice(4 * a, 4 * a + 4), (_, push) => {
          b.get(p);
          push();
          b.store();
          b.addTo(p, tapBytes, true);
        });
      }
      b.addTo(i, 1);
    });
  },
};
