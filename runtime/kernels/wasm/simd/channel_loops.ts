// The loops of channel_ops.ts's kernels, as functions for the SIMD module (../simd_module.ts):
// per-channel sums over the rows of an [rows, C] matrix (batch norm's moments and their
// gradients), a [C] vector broadcast over the rows of a matrix (multiply, add, subtract, divide),
// and batch norm's affine transform. All work on groups of 4 floats (one v128), so C must be a
// multiple of 4; callers check that.

import {
  F32X4_ADD,
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
  type FuncDef,
} from "./assembler.js";

/**
 * colsum(src, rows, rowBytes, blockRows, dst): for each block of `blockRows` rows of the
 * [rows, rowBytes/4] float32 matrix at src, writes the block's column sums (float32) as one row
 * at dst, rows of blocks one after another: dst holds ceil(rows / blockRows) rows.
 */
export const colsum: FuncDef = {
  name: "colsum",
  params: 5,
  build: (b) => {
    const [src, rows, rowBytes, blockRows, dst] = [0, 1, 2, 3, 4];
    const end = b.local(I32);
    const bend = b.local(I32);
    const g = b.local(I32);
    const g4End = b.local(I32);
    const q = b.local(I32);
    const blockBytes = b.local(I32);
    const a = [b.local(V128), b.local(V128), b.local(V128), b.local(V128)];
    const p = src;
    b.get(rows).get(rowBytes).op(I32_MUL).get(src).op(I32_ADD).set(end);
    b.get(blockRows).get(rowBytes).op(I32_MUL).set(blockBytes);
    b.get(rowBytes).i32(-64).op(I32_AND).set(g4End); // i32.and: whole groups of 4 v128s
    b.whileLess(p, end, () => {
      // bend = min(p + blockBytes, end)
      b.get(p).get(blockBytes).op(I32_ADD).set(bend);
      b.get(end).get(bend).get(bend).get(end).op(I32_GT_U, SELECT).set(bend); // bend >u end ? end : bend
      // Columns in groups of 16 floats, summed down the block in 4 v128 registers.
      b.i32(0).set(g);
      b.whileLess(g, g4End, () => {
        for (const r of a) b.v128Zero().set(r);
        b.get(p).get(g).op(I32_ADD).set(q);
        b.whileLess(q, bend, () => {
          for (let k = 0; k < 4; k++) {
            b.get(a[k])
              .get(q)
              .load(16 * k)
              .f32x4(F32X4_ADD)
              .set(a[k]);
          }
          b.addTo(q, rowBytes, true);
        });
        for (let k = 0; k < 4; k++)
          b.get(dst)
            .get(g)
            .op(I32_ADD)
            .get(a[k])
            .store(16 * k);
        b.addTo(g, 64);
      });
      // The remaining v128 columns one at a time.
      b.whileLess(g, rowBytes, () => {
        b.v128Zero().set(a[0]);
        b.get(p).get(g).op(I32_ADD).set(q);
        b.whileLess(q, bend, () => {
          b.get(a[0]).get(q).load().f32x4(F32X4_ADD).set(a[0]);
          b.addTo(q, rowBytes, true);
        });
        b.get(dst).get(g).op(I32_ADD).get(a[0]).store();
        b.addTo(g, 16);
      });
      b.addTo(dst, rowBytes, true);
      b.get(bend).set(p);
    });
  },
};

/**
 * rowop(a, rows, rowBytes, v, out): out[r, :] = a[r, :] OP v[:] (or v OP a when reversed) for
 * every row r of the [rows, rowBytes/4] float32 matrix a.
 */
export function rowop(name: string, opcode: number, reversed: boolean): FuncDef {
  return {
    name,
    params: 5,
    build: (b) => {
      const [a, rows, rowBytes, v, out] = [0, 1, 2, 3, 4];
      const end = b.local(I32);
      const g = b.local(I32);
      const g4End = b.local(I32);
      const pa = b.local(I32);
      const pv = b.local(I32);
      const po = b.local(I32);
      const vv = [b.local(V128), b.local(V128), b.local(V128), b.local(V128)];
      const op = (k: number, vLoad: () => void) => {
        // out[po + 16k] = a[pa + 16k] OP v (or reversed)
        b.get(po);
        if (reversed) {
          vLoad();
          b.get(pa).load(16 * k);
        } else {
          b.get(pa).load(16 * k);
          vLoad();
        }
        b.f32x4(opcode).store(16 * k);
      };
      b.get(rows).get(rowBytes).op(I32_MUL).get(a).op(I32_ADD).set(end);
      b.get(rowBytes).i32(-64).op(I32_AND).set(g4End); // i32.and: whole groups of 4 v128s
      b.get(rowBytes).i32(64).op(I32_EQ); // i32.eq
      b.ifElse(
        () => {
          // 16 floats a row (C = 16): v in 4 registers, one pass down the rows.
          for (let k = 0; k < 4; k++)
            b.get(v)
              .load(16 * k)
              .set(vv[k]);
          b.get(a).set(pa);
          b.get(out).set(po);
          b.whileLess(pa, end, () => {
            for (let k = 0; k < 4; k++) op(k, () => b.get(vv[k]));
            b.addTo(pa, 64);
            b.addTo(po, 64);
          });
        },
        () => {
          b.whileLess(a, end, () => {
            // Groups of 4 v128s, then single v128s.
            b.i32(0).set(g);
            b.whileLess(g, g4End, () => {
              b.get(a).get(g).op(I32_ADD).set(pa);
              b.get(v).get(g).op(I32_ADD).set(pv);
              b.get(out).get(g).op(I32_ADD).set(po);
              for (let k = 0; k < 4; k++) op(k, () => b.get(pv).load(16 * k));
              b.addTo(g, 64);
            });
            b.whileLess(g, rowBytes, () => {
              b.get(a).get(g).op(I32_ADD).set(pa);
              b.get(v).get(g).op(I32_ADD).set(pv);
              b.get(out).get(g).op(I32_ADD).set(po);
              op(0, () => b.get(pv).load());
              b.addTo(g, 16);
            });
            b.addTo(a, rowBytes, true);
            b.addTo(out, rowBytes, true);
          });
        },
      );
    },
  };
}

/**
 * affine(x, rows, rowBytes, params, out): out[r, c] = (x[r, c] - m[c]) * k[c] + o[c], with
 * m, k, o the three rows of the [3, C] float32 matrix at params (batch norm's normalisation).
 */
export const affine: FuncDef = {
  name: "affine",
  params: 5,
  build: (b) => {
    const [x, rows, rowBytes, params, out] = [0, 1, 2, 3, 4];
    const end = b.local(I32);
    const j = b.local(I32);
    const pj = b.local(I32);
    b.get(rows).get(rowBytes).op(I32_MUL).get(x).op(I32_ADD).set(end);
    b.whileLess(x, end, () => {
      b.i32(0).set(j);
      b.whileLess(j, rowBytes, () => {
        b.get(params).get(j).op(I32_ADD).set(pj);
        b.get(out).get(j).op(I32_ADD);
        b.get(x).get(j).op(I32_ADD).load();
        b.get(pj).load();
        b.f32x4(F32X4_SUB);
        b.get(pj).get(rowBytes).op(I32_ADD).load();
        b.f32x4(F32X4_MUL);
        b.get(pj).get(rowBytes).op(I32_ADD).get(rowBytes).op(I32_ADD).load();
        b.f32x4(F32X4_ADD);
        b.store();
        b.addTo(j, 16);
      });
      b.addTo(x, rowBytes, true);
      b.addTo(out, rowBytes, true);
    });
  },
};
