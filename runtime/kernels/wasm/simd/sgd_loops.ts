// The loop of the fused SGD-with-momentum update (../sgd_update.ts), as functions for a small wasm
// module over the backend's heap: one pass over a variable computes, 4 floats at a time, exactly
// the float32 operations of SgdMomentum's op-by-op path (runtime/train/optimizer.ts), in the same
// order, so the result is the same to the bit:
//
//   d  = g + w * wd            (decay variants; else d = g)
//   v' = v * m + d             (momentum variants; else v' is not written and u = d)
//   u  = v'  or  d + v' * m    (nesterov)
//   w' = w - u * lr
//
// One function per variant, so the loop has no branches. Byte counts are multiples of 16; the
// caller does the last (n mod 4) floats in JS.

import {
  F32X4_ADD,
  F32X4_MUL,
  F32X4_SUB,
  I32,
  I32_ADD,
  V128,
  type Body,
  type FuncDef,
} from "./assembler.js";

export interface SgdVariant {
  decay: boolean;
  momentum: boolean;
  nesterov: boolean;
}

/** The six variants (nesterov needs momentum), by name. */
export const SGD_VARIANTS: Record<string, SgdVariant> = {};
for (const decay of [false, true]) {
  for (const [momentum, nesterov] of [
    [false, false],
    [true, false],
    [true, true],
  ] as const) {
    SGD_VARIANTS[sgdLoopName({ decay, momentum, nesterov })] = { decay, momentum, nesterov };
  }
}

export function sgdLoopName(v: SgdVariant): string {
  const m = v.nesterov ? "Nesterov" : v.momentum ? "Momentum" : "Plain";
  return `sgd${m}${v.decay ? "Decay" : ""}`;
}

/**
 * sgdX(w, g, v, bytes, hyper, wOut, vOut): the update above over `bytes` bytes of the float32
 * arrays w, g, v, written to wOut and vOut; hyper points to [lr, m, wd] (float32).
 */
export function sgdLoop(variant: SgdVariant): FuncDef {
  return {
    name: sgdLoopName(variant),
    params: 7,
    build: (b: Body) => {
      const [w, g, v, bytes, hyper, wOut, vOut] = [0, 1, 2, 3, 4, 5, 6];
      const i = b.local(I32);
      const [lr, m, wd, wv, d, vn] = [0, 1, 2, 3, 4, 5].map(() => b.local(V128));
      b.get(hyper).load32Splat(0).set(lr);
      b.get(hyper).load32Splat(4).set(m);
      b.get(hyper).load32Splat(8).set(wd);
      const at = (base: number) => b.get(base).get(i).op(I32_ADD);
      b.i32(0).set(i);
      b.whileLess(i, bytes, () => {
        at(w).load().set(wv);
        // d = g + w * wd, or g
        at(g).load();
        if (variant.decay) b.get(wv).get(wd).simd(F32X4_MUL).simd(F32X4_ADD);
        b.set(d);
        if (variant.momentum) {
          // v' = v * m + d
          at(v).load().get(m).simd(F32X4_MUL).get(d).simd(F32X4_ADD).set(vn);
          at(vOut).get(vn).store();
        }
        // w' = w - u * lr
        at(wOut).get(wv);
        if (variant.nesterov) b.get(d).get(vn).get(m).simd(F32X4_MUL).simd(F32X4_ADD);
        else b.get(variant.momentum ? vn : d);
        b.get(lr).simd(F32X4_MUL).simd(F32X4_SUB).store();
        b.addTo(i, 16);
      });
    },
  };
}
