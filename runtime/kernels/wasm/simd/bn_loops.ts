// The loops of the fused batch norm (+ residual) (+ ReLU) kernels (../batchnorm_act.ts), as
// functions for their own small wasm module (../bn_module.ts). Data is float32 channels-last, seen
// as a [rows, C] matrix (rowBytes = 4*C bytes a row), in groups of 4 floats (one v128): C must be
// a multiple of 4, callers check that. Reductions write float32 partial sums per block of rows
// (blockRows rows), which the caller adds up in float64.
//
//   bnStats       forward, one pass: per block, sums of d = x - shift and of d*d per channel
//                 (shifted sums: with shift near the mean, the variance does not cancel)
//   bnApply*      forward, one pass: y = (x - m) * k + beta (+ residual) (ReLU)
//   bnGradSums*   backward, one pass: per block, sums of g and of g * (x - mean) per channel,
//                 g = dy (masked by y > 0 with the ReLU)
//   bnGradDx*     backward, one pass: dx = k * g - (kb + kc * (x - m)) (and dresidual = g)

import {
  F32X4_ADD,
  F32X4_GT,
  F32X4_MUL,
  F32X4_SUB,
  I32,
  I32_ADD,
  I32_AND,
  I32_EQ,
  I32_GT_U,
  I32_MUL,
  SELECT,
  V128,
  V128_AND,
  type Body,
  type FuncDef,
} from "./assembler.js";

/** The locals of a blocked column walk (eachGroup): byte offsets relative to a tensor's start. */
interface Walk {
  /** The block's first row. */
  p: number;
  /** The end of the block's rows. */
  bend: number;
  /** The column group's first byte in a row. */
  g: number;
}

/**
 * For each block of blockRows rows of a [rows, rowBytes/4] matrix, for each group of K v128
 * columns (K = 4 while whole groups fit, then 1): group(K, walk); after each block, afterBlock().
 */
function eachGroup(
  b: Body,
  rows: number,
  rowBytes: number,
  blockRows: number,
  group: (K: number, w: Walk) => void,
  afterBlock: () => void,
): void {
  const w: Walk = { p: b.local(I32), bend: b.local(I32), g: b.local(I32) };
  const end = b.local(I32);
  const blockBytes = b.local(I32);
  const g4End = b.local(I32);
  b.get(rows).get(rowBytes).op(I32_MUL).set(end);
  b.get(blockRows).get(rowBytes).op(I32_MUL).set(blockBytes);
  b.get(rowBytes).i32(-64).op(I32_AND).set(g4End); // whole groups of 4 v128s
  b.i32(0).set(w.p);
  b.whileLess(w.p, end, () => {
    // bend = min(p + blockBytes, end)
    b.get(w.p).get(blockBytes).op(I32_ADD).set(w.bend);
    b.get(end).get(w.bend).get(w.bend).get(end).op(I32_GT_U, SELECT).set(w.bend);
    b.i32(0).set(w.g);
    b.whileLess(w.g, g4End, () => {
      group(4, w);
      b.addTo(w.g, 64);
    });
    b.whileLess(w.g, rowBytes, () => {
      group(1, w);
      b.addTo(w.g, 16);
    });
    afterBlock();
    b.get(w.bend).set(w.p);
  });
}

/** Emits: local = base + offset (two i32 locals). */
function addr(b: Body, base: number, offset: number, local: number): void {
  b.get(base).get(offset).op(I32_ADD).set(local);
}

/** Emits: store v at (dst + g) + 16k, for v in values. */
function storeAll(b: Body, dst: number, g: number, values: number[]): void {
  values.forEach((v, k) => {
    b.get(dst)
      .get(g)
      .op(I32_ADD)
      .get(v)
      .store(16 * k);
  });
}

/**
 * bnStats(x, rows, rowBytes, blockRows, shift, dst): for each block of blockRows rows of x, one
 * row of the column sums of d = x - shift (shift: one row of C floats) then one row of the sums
 * of d*d, at dst: dst holds 2 * ceil(rows / blockRows) rows.
 */
export const bnStats: FuncDef = {
  name: "bnStats",
  params: 6,
  build: (b) => {
    const [x, rows, rowBytes, blockRows, shift, dst] = [0, 1, 2, 3, 4, 5];
    const q = b.local(I32);
    const xq = b.local(I32);
    const s = [0, 1, 2, 3].map(() => b.local(V128));
    const ss = [0, 1, 2, 3].map(() => b.local(V128));
    const sh = [0, 1, 2, 3].map(() => b.local(V128));
    const t = b.local(V128);
    eachGroup(
      b,
      rows,
      rowBytes,
      blockRows,
      (K, w) => {
        for (let k = 0; k < K; k++) {
          b.v128Zero().set(s[k]);
          b.v128Zero().set(ss[k]);
          b.get(shift)
            .get(w.g)
            .op(I32_ADD)
            .load(16 * k)
            .set(sh[k]);
        }
        b.get(w.p).get(w.g).op(I32_ADD).set(q);
        b.whileLess(q, w.bend, () => {
          addr(b, x, q, xq);
          for (let k = 0; k < K; k++) {
            b.get(xq)
              .load(16 * k)
              .get(sh[k])
              .simd(F32X4_SUB)
              .set(t);
            b.get(s[k]).get(t).simd(F32X4_ADD).set(s[k]);
            b.get(ss[k]).get(t).get(t).simd(F32X4_MUL).simd(F32X4_ADD).set(ss[k]);
          }
          b.addTo(q, rowBytes, true);
        });
        storeAll(b, dst, w.g, s.slice(0, K));
        b.get(dst).get(rowBytes).op(I32_ADD).set(xq); // the sums of squares' row
        storeAll(b, xq, w.g, ss.slice(0, K));
      },
      () => {
        b.addTo(dst, rowBytes, true);
        b.addTo(dst, rowBytes, true);
      },
    );
  },
};

/** Emits g = dy at address `dyAt` + 16k, masked by (y at `yAt` + 16k) > 0 when relu. */
function maskedDy(b: Body, dyAt: number, yAt: number, k: number, zero: number, relu: boolean) {
  b.get(dyAt).load(16 * k);
  if (relu) {
    b.get(yAt)
      .load(16 * k)
      .get(zero)
      .simd(F32X4_GT)
      .simd(V128_AND);
  }
}

/**
 * Walks the rows of [rows, rowBytes/4] matrices with pointers `ptrs` (locals set to the matrices'
 * starts by the caller; the first one leads), 4 v128s a step when a row is a whole number of 64
 * bytes, else 1, and a pointer `pp` into per-column parameters, paramBytes per v128 of a row,
 * from `params` again at every row's start: body(u, pp) for the u-th v128 of a step.
 */
function streamRows(
  b: Body,
  rows: number,
  rowBytes: number,
  ptrs: number[],
  params: number,
  paramBytes: number,
  body: (u: number, pp: number) => void,
): void {
  const lead = ptrs[0];
  const end = b.local(I32);
  const rowEnd = b.local(I32);
  const pp = b.local(I32);
  b.get(rows).get(rowBytes).op(I32_MUL).get(lead).op(I32_ADD).set(end);
  const loop = (U: number) => {
    b.whileLess(lead, end, () => {
      b.get(lead).get(rowBytes).op(I32_ADD).set(rowEnd);
      b.get(params).set(pp);
      b.whileLess(lead, rowEnd, () => {
        for (let u = 0; u < U; u++) body(u, pp);
        for (const p of ptrs) b.addTo(p, 16 * U);
        b.addTo(pp, paramBytes * U);
      });
    });
  };
  b.get(rowBytes).i32(63).op(I32_AND).i32(0).op(I32_EQ);
  b.ifElse(
    () => loop(4),
    () => loop(1),
  );
}

/**
 * bnApply(x, rows, rowBytes, params, out[, residual]): out[r, c] = (x[r, c] - m[c]) * k[c] +
 * beta[c] (+ residual[r, c]) (then max(0, .) with relu, NaN to 0). params: per group of 4 channels, their
 * m, k and beta (3 v128s, 48 bytes).
 */
export function bnApply(name: string, residual: boolean, relu: boolean): FuncDef {
  return {
    name,
    params: residual ? 6 : 5,
    build: (b) => {
      const [x, rows, rowBytes, params, out, res] = [0, 1, 2, 3, 4, 5];
      const zero = b.local(V128);
      const t = b.local(V128);
      b.v128Zero().set(zero);
      const ptrs = residual ? [x, out, res] : [x, out];
      streamRows(b, rows, rowBytes, ptrs, params, 48, (u, pp) => {
        const at = 48 * u;
        b.get(out); // the store's address
        b.get(x)
          .load(16 * u)
          .get(pp)
          .load(at)
          .simd(F32X4_SUB);
        b.get(pp)
          .load(at + 16)
          .simd(F32X4_MUL);
        b.get(pp)
          .load(at + 32)
          .simd(F32X4_ADD);
        if (residual)
          b.get(res)
            .load(16 * u)
            .simd(F32X4_ADD);
        if (relu) {
          // v & (v > 0): max(v, 0), with NaN to 0 as in the JS route
          b.set(t).get(t).get(t).get(zero).simd(F32X4_GT).simd(V128_AND);
        }
        b.store(16 * u);
      });
    },
  };
}

/**
 * bnGradSums(dy, x, y, rows, rowBytes, blockRows, mean, dst): for each block of blockRows rows,
 * one row of the column sums of g then one row of the sums of g * (x - mean), at dst (2 *
 * ceil(rows / blockRows) rows); g = dy, masked by y > 0 when relu (y is not read otherwise).
 */
export function bnGradSums(name: string, relu: boolean): FuncDef {
  return {
    name,
    params: 8,
    build: (b) => {
      const [dy, x, y, rows, rowBytes, blockRows, mean, dst] = [0, 1, 2, 3, 4, 5, 6, 7];
      const q = b.local(I32);
      const dq = b.local(I32);
      const xq = b.local(I32);
      const yq = b.local(I32);
      const sg = [0, 1, 2, 3].map(() => b.local(V128));
      const sgx = [0, 1, 2, 3].map(() => b.local(V128));
      const m = [0, 1, 2, 3].map(() => b.local(V128));
      const t = b.local(V128);
      const zero = b.local(V128);
      b.v128Zero().set(zero);
      eachGroup(
        b,
        rows,
        rowBytes,
        blockRows,
        (K, w) => {
          for (let k = 0; k < K; k++) {
            b.v128Zero().set(sg[k]);
            b.v128Zero().set(sgx[k]);
            b.get(mean)
              .get(w.g)
              .op(I32_ADD)
              .load(16 * k)
              .set(m[k]);
          }
          b.get(w.p).get(w.g).op(I32_ADD).set(q);
          b.whileLess(q, w.bend, () => {
            addr(b, dy, q, dq);
            addr(b, x, q, xq);
            if (relu) addr(b, y, q, yq);
            for (let k = 0; k < K; k++) {
              maskedDy(b, dq, yq, k, zero, relu);
              b.set(t);
              b.get(sg[k]).get(t).simd(F32X4_ADD).set(sg[k]);
              b.get(sgx[k]).get(t);
              b.get(xq)
                .load(16 * k)
                .get(m[k])
                .simd(F32X4_SUB);
              b.simd(F32X4_MUL).simd(F32X4_ADD).set(sgx[k]);
            }
            b.addTo(q, rowBytes, true);
          });
          storeAll(b, dst, w.g, sg.slice(0, K));
          b.get(dst).get(rowBytes).op(I32_ADD).set(xq); // the second row
          storeAll(b, xq, w.g, sgx.slice(0, K));
        },
        () => {
          b.addTo(dst, rowBytes, true);
          b.addTo(dst, rowBytes, true);
        },
      );
    },
  };
}

/**
 * bnGradDx(dy, x, y, rows, rowBytes, params, dx[, dres]): dx[r, c] = k[c] * g - (kb[c] +
 * kc[c] * (x[r, c] - m[c])), g = dy masked by y > 0 when relu (y is not read otherwise);
 * dres[r, c] = g when residual. params: per group of 4 channels, their m, k, kb and kc (4 v128s,
 * 64 bytes).
 */
export function bnGradDx(name: string, residual: boolean, relu: boolean): FuncDef {
  return {
    name,
    params: residual ? 8 : 7,
    build: (b) => {
      const [dy, x, y, rows, rowBytes, params, dx, dres] = [0, 1, 2, 3, 4, 5, 6, 7];
      const g = b.local(V128);
      const zero = b.local(V128);
      b.v128Zero().set(zero);
      const ptrs = [dx, dy, x, ...(relu ? [y] : []), ...(residual ? [dres] : [])];
      streamRows(b, rows, rowBytes, ptrs, params, 64, (u, pp) => {
        const at = 64 * u;
        maskedDy(b, dy, y, u, zero, relu);
        b.set(g);
        if (residual)
          b.get(dres)
            .get(g)
            .store(16 * u);
        b.get(dx); // the store's address
        b.get(pp)
          .load(at + 16)
          .get(g)
          .simd(F32X4_MUL); // k * g
        b.get(pp).load(at + 32); // kb
        b.get(pp).load(at + 48); // kc
        b.get(x)
          .load(16 * u)
          .get(pp)
          .load(at)
          .simd(F32X4_SUB); // x - m
        b.simd(F32X4_MUL).simd(F32X4_ADD).simd(F32X4_SUB);
        b.store(16 * u);
      });
    },
  };
}
