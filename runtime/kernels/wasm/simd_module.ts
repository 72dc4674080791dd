// A few WebAssembly SIMD loops that work directly on the wasm backend's heap: resnetc's own small
// wasm module, assembled here at run time (no toolchain; the bytes are written by the builder
// below) and instantiated over the backend's WebAssembly.Memory, so its pointers are the same
// byte offsets as the backend's tensors' memoryOffset. The memory is imported without a maximum,
// so when tfjs grows the heap these functions see the new size.
//
// The loops are what the kernels in channel_ops.ts need: per-channel sums over the rows of an
// [rows, C] matrix (batch norm's moments and their gradients), a [C] vector broadcast over the
// rows of a matrix (multiply, add, subtract), and batch norm's affine transform; and the filter
// gradient's outer-product sums (conv2d_backprop_filter.ts) and direct convolutions
// (conv_direct.ts). All work on groups of 4 floats (one
// v128), so C must be a multiple of 4; callers check that.

import type { WasmModuleLike } from "./wasm_heap.js";

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Emits one function body; locals are numbered after the parameters. */
class Body {
  readonly code: number[] = [];
  readonly locals: number[] = [];
  constructor(readonly nParams: number) {}
  local(type: number): number {
    this.locals.push(type);
    return this.nParams + this.locals.length - 1;
  }
  get(i: number): this {
    this.code.push(0x20, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.code.push(0x21, ...uleb(i));
    return this;
  }
  i32(n: number): this {
    this.code.push(0x41, ...sleb(n | 0));
    return this;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  simd(opcode: number, ...imm: number[]): this {
    this.code.push(0xfd, ...uleb(opcode), ...imm);
    return this;
  }
  /** v128.load at the address on the stack plus `offset` bytes. */
  load(offset = 0): this {
    return this.simd(0x00, 0, ...uleb(offset));
  }
  /** v128.store (address, value on the stack) at address plus `offset` bytes. */
  store(offset = 0): this {
    return this.simd(0x0b, 0, ...uleb(offset));
  }
  /** i = i + step (i32 local, step a constant or a local via `stepLocal`). */
  addTo(i: number, step: number, stepIsLocal = false): this {
    this.get(i);
    if (stepIsLocal) this.get(step);
    else this.i32(step);
    return this.op(0x6a).set(i);
  }
  /** if (condition on the stack) { then } else { otherwise } */
  ifElse(then: () => void, otherwise: () => void): this {
    this.op(0x04, 0x40);
    then();
    this.op(0x05);
    otherwise();
    return this.op(0x0b);
  }
  /** while (i <u end) { body; } — the body must advance i. */
  whileLess(i: number, end: number, body: () => void): this {
    this.op(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(i).get(end).op(0x4f, 0x0d, 1); // i32.ge_u, br_if 1 (out of the block)
    body();
    this.op(0x0c, 0, 0x0b, 0x0b); // br 0 (loop), end loop, end block
    return this;
  }
}

const F32X4_ADD = 0xe4;
const F32X4_SUB = 0xe5;
const F32X4_MUL = 0xe6;
const F32X4_DIV = 0xe7;

interface FuncDef {
  name: string;
  params: number;
  build: (b: Body) => void;
}

/**
 * colsum(src, rows, rowBytes, blockRows, dst): for each block of `blockRows` rows of the
 * [rows, rowBytes/4] float32 matrix at src, writes the block's column sums (float32) as one row
 * at dst, rows of blocks one after another: dst holds ceil(rows / blockRows) rows.
 */
const colsum: FuncDef = {
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
    const zero = new Array(16).fill(0);
    const p = src;
    b.get(rows).get(rowBytes).op(0x6c).get(src).op(0x6a).set(end);
    b.get(blockRows).get(rowBytes).op(0x6c).set(blockBytes);
    b.get(rowBytes).i32(-64).op(0x71).set(g4End); // i32.and: whole groups of 4 v128s
    b.whileLess(p, end, () => {
      // bend = min(p + blockBytes, end)
      b.get(p).get(blockBytes).op(0x6a).set(bend);
      b.get(end).get(bend).get(bend).get(end).op(0x4b, 0x1b).set(bend); // bend >u end ? end : bend
      // Columns in groups of 16 floats, summed down the block in 4 v128 registers.
      b.i32(0).set(g);
      b.whileLess(g, g4End, () => {
        for (const r of a) b.simd(0x0c, ...zero).set(r);
        b.get(p).get(g).op(0x6a).set(q);
        b.whileLess(q, bend, () => {
          for (let k = 0; k < 4; k++) {
            b.get(a[k])
              .get(q)
              .load(16 * k)
              .simd(F32X4_ADD, 0x01)
              .set(a[k]);
          }
          b.addTo(q, rowBytes, true);
        });
        for (let k = 0; k < 4; k++)
          b.get(dst)
            .get(g)
            .op(0x6a)
            .get(a[k])
            .store(16 * k);
        b.addTo(g, 64);
      });
      // The remaining v128 columns one at a time.
      b.whileLess(g, rowBytes, () => {
        b.simd(0x0c, ...zero).set(a[0]);
        b.get(p).get(g).op(0x6a).set(q);
        b.whileLess(q, bend, () => {
          b.get(a[0]).get(q).load().simd(F32X4_ADD, 0x01).set(a[0]);
          b.addTo(q, rowBytes, true);
        });
        b.get(dst).get(g).op(0x6a).get(a[0]).store();
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
function rowop(name: string, opcode: number, reversed: boolean): FuncDef {
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
        b.simd(opcode, 0x01).store(16 * k);
      };
      b.get(rows).get(rowBytes).op(0x6c).get(a).op(0x6a).set(end);
      b.get(rowBytes).i32(-64).op(0x71).set(g4End); // i32.and: whole groups of 4 v128s
      b.get(rowBytes).i32(64).op(0x46); // i32.eq
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
              b.get(a).get(g).op(0x6a).set(pa);
              b.get(v).get(g).op(0x6a).set(pv);
              b.get(out).get(g).op(0x6a).set(po);
              for (let k = 0; k < 4; k++) op(k, () => b.get(pv).load(16 * k));
              b.addTo(g, 64);
            });
            b.whileLess(g, rowBytes, () => {
              b.get(a).get(g).op(0x6a).set(pa);
              b.get(v).get(g).op(0x6a).set(pv);
              b.get(out).get(g).op(0x6a).set(po);
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
const affine: FuncDef = {
  name: "affine",
  params: 5,
  build: (b) => {
    const [x, rows, rowBytes, params, out] = [0, 1, 2, 3, 4];
    const end = b.local(I32);
    const j = b.local(I32);
    const pj = b.local(I32);
    b.get(rows).get(rowBytes).op(0x6c).get(x).op(0x6a).set(end);
    b.whileLess(x, end, () => {
      b.i32(0).set(j);
      b.whileLess(j, rowBytes, () => {
        b.get(params).get(j).op(0x6a).set(pj);
        b.get(out).get(j).op(0x6a);
        b.get(x).get(j).op(0x6a).load();
        b.get(pj).load();
        b.simd(F32X4_SUB, 0x01);
        b.get(pj).get(rowBytes).op(0x6a).load();
        b.simd(F32X4_MUL, 0x01);
        b.get(pj).get(rowBytes).op(0x6a).get(rowBytes).op(0x6a).load();
        b.simd(F32X4_ADD, 0x01);
        b.store();
        b.addTo(j, 16);
      });
      b.addTo(x, rowBytes, true);
      b.addTo(out, rowBytes, true);
    });
  },
};

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
function filterTap(name: string, ciB: number, coV: number): FuncDef {
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
      const zero = new Array(16).fill(0);

      b.get(cols).i32(4).op(0x6c).set(colBytes);
      b.get(ciFrom).set(ci);
      b.whileLess(ci, ciTo, () => {
        b.get(coFrom).set(cob);
        b.whileLess(cob, coTo, () => {
          for (const row of accs) for (const a of row) b.simd(0x0c, ...zero).set(a);
          b.get(x).get(ci).i32(4).op(0x6c).op(0x6a).set(xr);
          b.get(dy).get(cob).i32(4).op(0x6c).op(0x6a).set(dr);
          b.get(nRows).get(dyRowStride).op(0x6c).get(dr).op(0x6a).set(rEnd);
          b.whileLess(dr, rEnd, () => {
            b.get(xr).set(xp);
            b.get(dr).set(dp);
            b.get(count).get(colBytes).op(0x6c).get(dr).op(0x6a).set(dEnd);
            b.whileLess(dp, dEnd, () => {
              for (let v = 0; v < coV; v++)
                b.get(dp)
                  .load(16 * v)
                  .set(d[v]);
              for (let j = 0; j < ciB; j++) {
                b.get(xp)
                  .simd(0x09, 2, ...uleb(4 * j))
                  .set(sp); // v128.load32_splat
                for (let v = 0; v < coV; v++) {
                  b.get(accs[j][v]).get(sp).get(d[v]).simd(F32X4_MUL, 0x01);
                  b.simd(F32X4_ADD, 0x01).set(accs[j][v]);
                }
              }
              b.addTo(xp, xColStride, true);
              b.addTo(dp, colBytes, true);
            });
            b.addTo(xr, xRowStride, true);
            b.addTo(dr, dyRowStride, true);
          });
          // acc[ci + j, cob + 4v ...] += the accumulators
          b.get(ci).get(cols).op(0x6c).get(cob).op(0x6a).i32(4).op(0x6c).get(acc).op(0x6a).set(ap);
          for (let j = 0; j < ciB; j++) {
            for (let v = 0; v < coV; v++) {
              b.get(ap)
                .get(ap)
                .load(16 * v)
                .get(accs[j][v])
                .simd(F32X4_ADD, 0x01)
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
function convRows(name: string, P: number, coV: number): FuncDef {
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
      const zero = new Array(16).fill(0);

      b.get(cols).i32(4).op(0x6c).set(colBytes);
      b.get(nTaps).i32(8).op(0x6c).get(taps).op(0x6a).set(tEnd);
      b.get(coFrom).set(cob);
      b.whileLess(cob, coTo, () => {
        b.get(src).set(xrow);
        b.get(out).get(cob).i32(4).op(0x6c).op(0x6a).set(yrow);
        b.i32(0).set(r);
        b.whileLess(r, nRows, () => {
          b.get(xrow).set(xb);
          b.get(yrow).set(yb);
          b.i32(0).set(pi);
          b.whileLess(pi, nPix, () => {
            for (const row of accs) for (const a of row) b.simd(0x0c, ...zero).set(a);
            b.get(taps).set(tp);
            b.whileLess(tp, tEnd, () => {
              // xs[p] = xb + tapX + p*srcPixStride; wp = w + tapW + cob*4
              b.get(xb).get(tp).op(0x28, 2, 0).op(0x6a).set(xs[0]);
              for (let p = 1; p < P; p++)
                b.get(xs[p - 1])
                  .get(srcPixStride)
                  .op(0x6a)
                  .set(xs[p]);
              b.get(w).get(tp).op(0x28, 2, 4).op(0x6a).get(cob).i32(4).op(0x6c).op(0x6a).set(wp);
              b.get(xs[0]).get(cin).i32(4).op(0x6c).op(0x6a).set(xe);
              b.whileLess(xs[0], xe, () => {
                for (let v = 0; v < coV; v++)
                  b.get(wp)
                    .load(16 * v)
                    .set(wv[v]);
                for (let p = 0; p < P; p++) {
                  b.get(xs[p]).simd(0x09, 2, 0).set(sp); // v128.load32_splat
                  for (let v = 0; v < coV; v++) {
                    b.get(accs[p][v]).get(sp).get(wv[v]).simd(F32X4_MUL, 0x01);
                    b.simd(F32X4_ADD, 0x01).set(accs[p][v]);
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

/**
 * winoIn(src, rowBytes, pixBytes, nTiles, c4, v, vTileBytes, vMatBytes): Winograd F(2x2, 3x3)
 * input transform of nTiles tiles along one row (tile t's 4x4 pixels start at
 * src + t*2*pixBytes, rows rowBytes apart), 4 channels at a time (c4 groups): V = B^T d B,
 * element (i, j) of tile t stored at v + (4i + j)*vMatBytes + t*vTileBytes.
 */
const winoIn: FuncDef = {
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
const winoOut: FuncDef = {
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
const winoDy: FuncDef = {
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

const FUNCS: FuncDef[] = [
  colsum,
  rowop("mulRow", F32X4_MUL, false),
  rowop("addRow", F32X4_ADD, false),
  rowop("subRow", F32X4_SUB, false),
  rowop("rsubRow", F32X4_SUB, true),
  rowop("divRow", F32X4_DIV, false),
  rowop("rdivRow", F32X4_DIV, true),
  affine,
  filterTap("filterTap4x8", 4, 2),
  filterTap("filterTap2x16", 2, 4),
  filterTap("filterTap1x8", 1, 2),
  filterTap("filterTap4x4", 4, 1),
  filterTap("filterTap1x4", 1, 1),
  convRows("convRows2x16", 2, 4),
  convRows("convRows1x16", 1, 4),
  convRows("convRows2x4", 2, 1),
  convRows("convRows1x4", 1, 1),
  winoIn,
  winoOut,
  winoDy,
];

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** The module's bytes: one function type per arity, memory imported as env.memory. */
export function assembleSimdModule(): Uint8Array {
  const arities = [...new Set(FUNCS.map((f) => f.params))];
  const types = arities.map((n) => [0x60, ...vec(new Array(n).fill([I32])), 0]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]]; // memory, min 0, no max
  const funcs = FUNCS.map((f) => uleb(arities.indexOf(f.params)));
  const exports = FUNCS.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const bodies = FUNCS.map((f) => {
    const b = new Body(f.params);
    f.build(b);
    const locals = vec(b.locals.map((t) => [1, t]));
    const body = [...locals, ...b.code, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/** The exported loops; every pointer is a byte offset in the backend's heap. */
export interface SimdLoops {
  colsum(src: number, rows: number, rowBytes: number, blockRows: number, dst: number): void;
  mulRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  addRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  subRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  rsubRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  divRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  rdivRow(a: number, rows: number, rowBytes: number, v: number, out: number): void;
  affine(x: number, rows: number, rowBytes: number, params: number, out: number): void;
  filterTap4x8: FilterTap;
  filterTap2x16: FilterTap;
  filterTap1x8: FilterTap;
  filterTap4x4: FilterTap;
  filterTap1x4: FilterTap;
  convRows2x16: ConvRows;
  convRows1x16: ConvRows;
  convRows2x4: ConvRows;
  convRows1x4: ConvRows;
  winoIn(
    src: number,
    rowBytes: number,
    pixBytes: number,
    nTiles: number,
    c4: number,
    v: number,
    vTileBytes: number,
    vMatBytes: number,
  ): void;
  winoDy(
    dy: number,
    rowBytes: number,
    pixBytes: number,
    nTiles: number,
    c4: number,
    out: number,
    tileBytes: number,
    matBytes: number,
  ): void;
  winoOut(
    m: number,
    mTileBytes: number,
    mMatBytes: number,
    nTiles: number,
    c4: number,
    y: number,
    rowBytes: number,
    pixBytes: number,
  ): void;
}

/** See convRows(): a block of output pixels of a direct convolution. */
export type ConvRows = (
  src: number,
  srcPixStride: number,
  nPix: number,
  taps: number,
  nTaps: number,
  cin: number,
  w: number,
  cols: number,
  coFrom: number,
  coTo: number,
  out: number,
  outPixStride: number,
  nRows: number,
  srcRowStride: number,
  outRowStride: number,
) => void;

/**
 * acc[c, o] += sum of x[c] * dy[o] over the rectangle (see filterTap) for every c < ci, o < co
 * (co a multiple of 4), through the variant that fits the channel counts.
 */
export function accumulateOuter(
  loops: SimdLoops,
  x: number,
  dy: number,
  acc: number,
  nRows: number,
  count: number,
  xRowStride: number,
  xColStride: number,
  dyRowStride: number,
  ci: number,
  co: number,
): void {
  const run = (f: FilterTap, c0: number, c1: number, o0: number, o1: number) => {
    if (c1 > c0 && o1 > o0) {
      f(x, dy, acc, nRows, count, xRowStride, xColStride, dyRowStride, c0, c1, o0, o1, co);
    }
  };
  const ci4 = ci - (ci % 4);
  const co8 = co - (co % 8);
  if (co % 16 === 0 && ci % 2 === 0) {
    run(loops.filterTap2x16, 0, ci, 0, co); // measured a few % faster than 4 x 8
  } else {
    run(loops.filterTap4x8, 0, ci4, 0, co8);
    run(loops.filterTap1x8, ci4, ci, 0, co8);
  }
  run(loops.filterTap4x4, 0, ci4, co8, co);
  run(loops.filterTap1x4, ci4, ci, co8, co);
}

/** See filterTap(): one tap of one image of the filter gradient, accumulated into acc. */
export type FilterTap = (
  x: number,
  dy: number,
  acc: number,
  nRows: number,
  count: number,
  xRowStride: number,
  xColStride: number,
  dyRowStride: number,
  ciFrom: number,
  ciTo: number,
  coFrom: number,
  coTo: number,
  cols: number,
) => void;

// The WebAssembly API, typed here: tsconfig's lib (ES2022, no DOM) does not declare it.
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const instances = new WeakMap<object, SimdLoops | null>();
let compiled: object | null | undefined;

/**
 * The loops bound to this backend's heap, or null when they cannot be had (the emscripten module
 * does not expose its memory, or this runtime has no wasm SIMD): the kernels then fall back to
 * tfjs-backend-wasm's own.
 */
export function simdLoops(wasm: WasmModuleLike): SimdLoops | null {
  const memory = (wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (WA == null || !(memory instanceof WA.Memory)) return null;
  if (instances.has(memory)) return instances.get(memory)!;
  let loops: SimdLoops | null = null;
  try {
    if (compiled === undefined) {
      const bytes = assembleSimdModule();
      compiled = WA.validate(bytes) ? new WA.Module(bytes) : null;
    }
    if (compiled != null) {
      const instance = new WA.Instance(compiled, { env: { memory } });
      loops = instance.exports as unknown as SimdLoops;
    }
  } catch {
    loops = null;
  }
  instances.set(memory, loops);
  return loops;
}
