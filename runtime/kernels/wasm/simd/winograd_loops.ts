// The Winograd F(2x2, 3x3) transforms of the SIMD module (../simd_module.ts), for winograd.ts:
// the input transform (winoIn), the output transform (winoOut) and the filter gradient's dy
// transform (winoDy), each over a row of tiles, 4 channels (one v128) at a time.

import { EPILOGUE_BIAS, EPILOGUE_RELU, EPILOGUE_RESIDUAL } from "./conv_loops.js";
import {
  F32X4_ADD,
  F32X4_MAX,
  F32X4_NEG,
  F32X4_SUB,
  I32,
  I32_ADD,
  I32_AND,
  I32_MUL,
  V128,
  type Body,
  type FuncDef,
} from "./assembler.js";

const add = (b: Body) => b.f32x4(F32X4_ADD);
const sub = (b: Body) => b.f32x4(F32X4_SUB);
const neg = (b: Body) => b.f32x4(F32X4_NEG);

/** Takes the value that `push` leaves on the stack: the k-th result of a transform. */
type Sink = (k: number, push: () => void) => void;

/** for (t = 0; t < nTiles; t++) for (cb = 0; cb < c4; cb++) body() (t, cb: i32 locals). */
function tilesByChannelGroup(
  b: Body,
  t: number,
  nTiles: number,
  cb: number,
  c4: number,
  body: () => void,
): void {
  b.i32(0).set(t);
  b.whileLess(t, nTiles, () => {
    b.i32(0).set(cb);
    b.whileLess(cb, c4, () => {
      body();
      b.addTo(cb, 1);
    });
    b.addTo(t, 1);
  });
}

/** Pushes base + t*stride (t*2*stride when `pair`) + cb*16: tile t's channel group cb. */
function tileAddress(b: Body, base: number, t: number, stride: number, pair: boolean, cb: number) {
  b.get(base).get(t).get(stride).op(I32_MUL);
  if (pair) b.i32(2).op(I32_MUL);
  b.op(I32_ADD).get(cb).i32(16).op(I32_MUL).op(I32_ADD);
}

/** B^T applied to (d0, d1, d2, d3): d0 - d2, d1 + d2, d2 - d1, d1 - d3 into out[0..3]. */
function bT(b: Body, d: number[], out: number[]): void {
  b.get(d[0]).get(d[2]);
  sub(b);
  b.set(out[0]);
  b.get(d[1]).get(d[2]);
  add(b);
  b.set(out[1]);
  b.get(d[2]).get(d[1]);
  sub(b);
  b.set(out[2]);
  b.get(d[1]).get(d[3]);
  sub(b);
  b.set(out[3]);
}

/** A^T applied to (c0, c1, c2, c3): c0 + c1 + c2 (k = 0) and c1 - c2 - c3 (k = 1). */
function aT(b: Body, c: number[], sink: Sink): void {
  sink(0, () => {
    b.get(c[0]).get(c[1]);
    add(b);
    b.get(c[2]);
    add(b);
  });
  sink(1, () => {
    b.get(c[1]).get(c[2]);
    sub(b);
    b.get(c[3]);
    sub(b);
  });
}

/** A applied to (x0, x1): x0, x0 + x1, x0 - x1, -x1 (k = 0..3). */
function aRows(b: Body, x0: number, x1: number, sink: Sink): void {
  sink(0, () => b.get(x0));
  sink(1, () => {
    b.get(x0).get(x1);
    add(b);
  });
  sink(2, () => {
    b.get(x0).get(x1);
    sub(b);
  });
  sink(3, () => {
    b.get(x1);
    neg(b);
  });
}

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
    tilesByChannelGroup(b, t, nTiles, cb, c4, () => {
      tileAddress(b, src, t, pixBytes, true, cb);
      b.set(base);
      for (let j = 0; j < 4; j++) {
        // column j: d[i] = pixel (i, j); e[4i + j] = (B^T d)[i]
        b.get(base).set(q);
        for (let i = 0; i < 4; i++) {
          b.get(q).load().set(d[i]);
          if (i < 3) b.addTo(q, rowBytes, true);
        }
        bT(b, d, [e[j], e[4 + j], e[8 + j], e[12 + j]]);
        b.addTo(base, pixBytes, true);
      }
      // rows: V[i] = e[i] B, stored in k = 4i + j order
      tileAddress(b, v, t, vTileBytes, false, cb);
      b.set(vp);
      for (let i = 0; i < 4; i++) {
        bT(b, e.slice(4 * i, 4 * i + 4), x);
        for (let j = 0; j < 4; j++) {
          b.get(vp).get(x[j]).store();
          b.addTo(vp, vMatBytes, true);
        }
      }
    });
  },
};

/**
 * winoOut(m, mTileBytes, mMatBytes, nTiles, c4, y, rowBytes, pixBytes): Winograd F(2x2, 3x3)
 * output transform: for tile t, Y = A^T M A from M's element (i, j) at
 * m + (4i + j)*mMatBytes + t*mTileBytes, 4 channels at a time; Y's 2x2 pixels written at
 * y + t*2*pixBytes (rows rowBytes apart).
 */
export const winoOut: FuncDef = winoOutDef("winoOut", false);

/**
 * winoOutE(m, mTileBytes, mMatBytes, nTiles, c4, y, rowBytes, pixBytes, bias, resDelta, flags):
 * winoOut with convRows's epilogue (simd/conv_loops.ts) on every output pixel before its store:
 * by the bits of flags, + bias (a [4*c4] vector), + the residual at the pixel's address +
 * resDelta bytes, then max(0, .).
 */
export const winoOutE: FuncDef = winoOutDef("winoOutE", true);

function winoOutDef(name: string, epilogue: boolean): FuncDef {
  return {
    name,
    params: epilogue ? 11 : 8,
    build: (b) => {
      const [m, mTileBytes, mMatBytes, nTiles, c4, y, rowBytes, pixBytes] = [
        0, 1, 2, 3, 4, 5, 6, 7,
      ];
      const [bias, resDelta, flags] = [8, 9, 10];
      const t = b.local(I32);
      const cb = b.local(I32);
      const q = b.local(I32);
      const yp = b.local(I32);
      const mv = Array.from({ length: 16 }, () => b.local(V128));
      const f = Array.from({ length: 8 }, () => b.local(V128));
      const [addr, val, bv] = epilogue ? [b.local(I32), b.local(V128), b.local(V128)] : [0, 0, 0];
      const flag = (bit: number, then: () => void) =>
        b.get(flags).i32(bit).op(I32_AND).ifThen(then);
      tilesByChannelGroup(b, t, nTiles, cb, c4, () => {
        tileAddress(b, m, t, mTileBytes, false, cb);
        b.set(q);
        for (let k = 0; k < 16; k++) {
          b.get(q).load().set(mv[k]);
          if (k < 15) b.addTo(q, mMatBytes, true);
        }
        // f = A^T M (2 rows x 4 columns)
        for (let j = 0; j < 4; j++) {
          const column = [0, 1, 2, 3].map((i) => mv[4 * i + j]);
          aT(b, column, (k, push) => {
            push();
            b.set(f[4 * k + j]);
          });
        }
        if (epilogue) {
          flag(EPILOGUE_BIAS, () => {
            b.get(bias).get(cb).i32(16).op(I32_MUL).op(I32_ADD).load().set(bv);
          });
        }
        // Y = f A, 2 x 2, stored at pixels (r, 0) and (r, 1)
        tileAddress(b, y, t, pixBytes, true, cb);
        b.set(yp);
        for (let r = 0; r < 2; r++) {
          aT(b, f.slice(4 * r, 4 * r + 4), (k, push) => {
            b.get(yp);
            if (k === 1) b.get(pixBytes).op(I32_ADD);
            if (!epilogue) {
              push();
              b.store();
              return;
            }
            b.set(addr);
            push();
            b.set(val);
            flag(EPILOGUE_BIAS, () => b.get(val).get(bv).f32x4(F32X4_ADD).set(val));
            flag(EPILOGUE_RESIDUAL, () => {
              b.get(val).get(addr).get(resDelta).op(I32_ADD).load().f32x4(F32X4_ADD).set(val);
            });
            flag(EPILOGUE_RELU, () => b.get(val).v128Zero().f32x4(F32X4_MAX).set(val));
            b.get(addr).get(val).store();
          });
          if (r === 0) b.addTo(yp, rowBytes, true);
        }
      });
    },
  };
}

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
    tilesByChannelGroup(b, t, nTiles, cb, c4, () => {
      tileAddress(b, dy, t, pixBytes, true, cb);
      b.set(q);
      b.get(q).load().set(d[0]);
      b.get(q).get(pixBytes).op(I32_ADD).load().set(d[1]);
      b.get(q).get(rowBytes).op(I32_ADD).load().set(d[2]);
      b.get(q).get(rowBytes).op(I32_ADD).get(pixBytes).op(I32_ADD).load().set(d[3]);
      // p = A d: rows d0, d0 + d1, d0 - d1, -d1 (per column c)
      for (let c = 0; c < 2; c++) {
        aRows(b, d[c], d[2 + c], (k, push) => {
          push();
          b.set(p[2 * k + c]);
        });
      }
      // out row i = p_i A^T: p_i0, p_i0 + p_i1, p_i0 - p_i1, -p_i1
      tileAddress(b, out, t, tileBytes, false, cb);
      b.set(op);
      for (let i = 0; i < 4; i++) {
        aRows(b, p[2 * i], p[2 * i + 1], (_, push) => {
          b.get(op);
          push();
          b.store();
          b.addTo(op, matBytes, true);
        });
      }
    });
  },
};
