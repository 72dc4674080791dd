// The Winograd F(2x2, 3x3) transforms of the SIMD module (../simd_module.ts), for winograd.ts:
// the input transform (winoIn), the output transform (winoOut) and the filter gradient's dy
// transform (winoDy), each over a row of tiles, 4 channels (one v128) at a time.

import { F32X4_ADD, F32X4_SUB, I32, V128, type FuncDef } from "./assembler.js";

/**
 * winoIn(src, rowBytes, pixBytes, nTiles, c4, v, vTileBytes, vMatBytes): Winograd F(2x2, 3x3)
 * input transform of nTiles tiles along one row (tile t's 4x4 pixels start at
 * src + t*2*pixBytes, rows rowBytes apart), 4 channels at a time (c4 groups): V = B^T d B,
 * element (i, j) of tile t stored at v + (4i + j)*vMatBytes + t*vTileBytes.
 */
export const winoIn: FuncDef = {
  name: "winoIn",
  params: 8,
  build: (b) => {
    const [src, rowBytes, pixBytes, nTiles, c4, v, vTileBytes, vMatBytes] = [
      0, 1, 2, 3, 4, 5, 6, 7,
    ];
    const t = b.local(I32);
    const cb = b.local(I32);
    const q = b.local(I32);
    const vp = b.local(I32);
    const base = b.local(I32);
    const d = Array.from({ length: 4 }, () => b.local(V128));
    const e = Array.from({ length: 16 }, () => b.local(V128));
    const x = Array.from({ length: 4 }, () => b.local(V128));
    const add = () => b.simd(F32X4_ADD, 0x01);
    const sub = () => b.simd(F32X4_SUB, 0x01);
    b.i32(0).set(t);
    b.whileLess(t, nTiles, () => {
      b.i32(0).set(cb);
      b.whileLess(cb, c4, () => {
        // base = src + t*2*pixBytes + cb*16
        b.get(src).get(t).get(pixBytes).op(0x6c).i32(2).op(0x6c).op(0x6a);
        b.get(cb).i32(16).op(0x6c).op(0x6a).set(base);
        for (let j = 0; j < 4; j++) {
          // column j: d[i] = pixel (i, j); e[4i + j] = (B^T d)[i]
          b.get(base).set(q);
          for (let i = 0; i < 4; i++) {
            b.get(q).load().set(d[i]);
            if (i < 3) b.addTo(q, rowBytes, true);
          }
          b.get(d[0]).get(d[2]);
          sub();
          b.set(e[j]);
          b.get(d[1]).get(d[2]);
          add();
          b.set(e[4 + j]);
          b.get(d[2]).get(d[1]);
          sub();
          b.set(e[8 + j]);
          b.get(d[1]).get(d[3]);
          sub();
          b.set(e[12 + j]);
          b.addTo(base, pixBytes, true);
        }
        // rows: V[i] = e[i] B, stored in k = 4i + j order
        b.get(v).get(t).get(vTileBytes).op(0x6c).op(0x6a).get(cb).i32(16).op(0x6c).op(0x6a).set(vp);
        for (let i = 0; i < 4; i++) {
          const r = (j: number) => e[4 * i + j];
          b.get(r(0)).get(r(2));
          sub();
          b.set(x[0]);
          b.get(r(1)).get(r(2));
          add();
          b.set(x[1]);
          b.get(r(2)).get(r(1));
          sub();
          b.set(x[2]);
          b.get(r(1)).get(r(3));
          sub();
          b.set(x[3]);
          for (let j = 0; j < 4; j++) {
            b.get(vp).get(x[j]).store();
            b.addTo(vp, vMatBytes, true);
          }
        }
        b.addTo(cb, 1);
      });
      b.addTo(t, 1);
    });
  },
};

/**
 * winoOut(m, mTileBytes, mMatBytes, nTiles, c4, y, rowBytes, pixBytes): Winograd F(2x2, 3x3)
 * output transform: for tile t, Y = A^T M A from M's element (i, j) at
 * m + (4i + j)*mMatBytes + t*mTileBytes, 4 channels at a time; Y's 2x2 pixels written at
 * y + t*2*pixBytes (rows rowBytes apart).
 */
export const winoOut: FuncDef = {
  name: "winoOut",
  params: 8,
  build: (b) => {
    const [m, mTileBytes, mMatBytes, nTiles, c4, y, rowBytes, pixBytes] = [0, 1, 2, 3, 4, 5, 6, 7];
    const t = b.local(I32);
    const cb = b.local(I32);
    const q = b.local(I32);
    const yp = b.local(I32);
    const mv = Array.from({ length: 16 }, () => b.local(V128));
    const f = Array.from({ length: 8 }, () => b.local(V128));
    const add = () => b.simd(F32X4_ADD, 0x01);
    const sub = () => b.simd(F32X4_SUB, 0x01);
    b.i32(0).set(t);
    b.whileLess(t, nTiles, () => {
      b.i32(0).set(cb);
      b.whileLess(cb, c4, () => {
        b.get(m).get(t).get(mTileBytes).op(0x6c).op(0x6a).get(cb).i32(16).op(0x6c).op(0x6a).set(q);
        for (let k = 0; k < 16; k++) {
          b.get(q).load().set(mv[k]);
          if (k < 15) b.addTo(q, mMatBytes, true);
        }
        // f = A^T M (2 rows x 4 columns)
        for (let j = 0; j < 4; j++) {
          const c = (i: number) => mv[4 * i + j];
          b.get(c(0)).get(c(1));
          add();
          b.get(c(2));
          add();
          b.set(f[j]);
          b.get(c(1)).get(c(2));
          sub();
          b.get(c(3));
          sub();
          b.set(f[4 + j]);
        }
        // Y = f A, 2 x 2, stored at pixels (r, 0) and (r, 1)
        b.get(y)
          .get(t)
          .get(pixBytes)
          .op(0x6c)
          .i32(2)
          .op(0x6c)
          .op(0x6a)
          .get(cb)
          .i32(16)
          .op(0x6c)
          .op(0x6a)
          .set(yp);
        for (let r = 0; r < 2; r++) {
          const c = (j: number) => f[4 * r + j];
          b.get(yp);
          b.get(c(0)).get(c(1));
          add();
          b.get(c(2));
          add();
          b.store();
          b.get(yp).get(pixBytes).op(0x6a);
          b.get(c(1)).get(c(2));
          sub();
          b.get(c(3));
          sub();
          b.store();
          if (r === 0) b.addTo(yp, rowBytes, true);
        }
        b.addTo(cb, 1);
      });
      b.addTo(t, 1);
    });
  },
};

/**
 * winoDy(dy, rowBytes, pixBytes, nTiles, c4, out, tileBytes, matBytes): the transform of the
 * filter gradient's Winograd F(2x2, 3x3) that takes a 2x2 tile of dy (tile t at
 * dy + t*2*pixBytes, rows rowBytes apart) to the 4x4 A dy A^T, element (i, j) stored at
 * out + (4i + j)*matBytes + t*tileBytes; 4 channels at a time (c4 groups).
 */
export const winoDy: FuncDef = {
  name: "winoDy",
  params: 8,
  build: (b) => {
    const [dy, rowBytes, pixBytes, nTiles, c4, out, tileBytes, matBytes] = [0, 1, 2, 3, 4, 5, 6, 7];
    const t = b.local(I32);
    const cb = b.local(I32);
    const q = b.local(I32);
    const op = b.local(I32);
    const d = Array.from({ length: 4 }, () => b.local(V128)); // (a, c) at 2a + c
    const p = Array.from({ length: 8 }, () => b.local(V128)); // (i, c) at 2i + c
    const add = () => b.simd(F32X4_ADD, 0x01);
    const sub = () => b.simd(F32X4_SUB, 0x01);
    const neg = () => b.simd(0xe1, 0x01);
    b.i32(0).set(t);
    b.whileLess(t, nTiles, () => {
      b.i32(0).set(cb);
      b.whileLess(cb, c4, () => {
        b.get(dy).get(t).get(pixBytes).op(0x6c).i32(2).op(0x6c).op(0x6a);
        b.get(cb).i32(16).op(0x6c).op(0x6a).set(q);
        b.get(q).load().set(d[0]);
        b.get(q).get(pixBytes).op(0x6a).load().set(d[1]);
        b.get(q).get(rowBytes).op(0x6a).load().set(d[2]);
        b.get(q).get(rowBytes).op(0x6a).get(pixBytes).op(0x6a).load().set(d[3]);
        // p = A d: rows d0, d0 + d1, d0 - d1, -d1 (per column c)
        for (let c = 0; c < 2; c++) {
          b.get(d[c]).set(p[c]);
          b.get(d[c]).get(d[2 + c]);
          add();
          b.set(p[2 + c]);
          b.get(d[c]).get(d[2 + c]);
          sub();
          b.set(p[4 + c]);
          b.get(d[2 + c]);
          neg();
          b.set(p[6 + c]);
        }
        // out row i = p_i A^T: p_i0, p_i0 + p_i1, p_i0 - p_i1, -p_i1
        b.get(out)
          .get(t)
          .get(tileBytes)
          .op(0x6c)
          .op(0x6a)
          .get(cb)
          .i32(16)
          .op(0x6c)
          .op(0x6a)
          .set(op);
        for (let i = 0; i < 4; i++) {
          const [x0, x1] = [p[2 * i], p[2 * i + 1]];
          b.get(op).get(x0).store();
          b.addTo(op, matBytes, true);
          b.get(op).get(x0).get(x1);
          add();
          b.store();
          b.addTo(op, matBytes, true);
          b.get(op).get(x0).get(x1);
          sub();
          b.store();
          b.addTo(op, matBytes, true);
          b.get(op).get(x1);
          neg();
          b.store();
          b.addTo(op, matBytes, true);
        }
        b.addTo(cb, 1);
      });
      b.addTo(t, 1);
    });
  },
};
