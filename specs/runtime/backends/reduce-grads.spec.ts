// resnetc's Sum and Mean gradients (reduce_grads.ts: dy broadcast with Tile instead of multiplied
// by a JS-built ones(x.shape)) against the analytic gradient, on cpu and on wasm, for the axes
// batch norm uses and odd ones, with and without keepDims.

import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { registerTrainingGradients } from "../../../runtime/kernels/gradients.js";
import { expectClose, initBackends, onCpuAndWasm, randomValues, routesOf } from "./helpers.js";

const CASES: Array<{ shape: number[]; axis: number | number[]; keepDims?: boolean }> = [
  { shape: [4, 8, 8, 16], axis: [0, 1, 2] },
  { shape: [4, 8, 8, 16], axis: [0, 1, 2], keepDims: true },
  { shape: [2, 7, 7, 3], axis: [1, 2] },
  { shape: [3, 5], axis: 1 },
  { shape: [3, 5], axis: [-2], keepDims: true },
  { shape: [2, 3, 4], axis: [0, 2] },
  { shape: [6], axis: 0 },
  { shape: [2, 3], axis: [] },
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** d/dx of sum(reduce(x) * r): r[kept index of each element], over the reduced count for mean. */
function expected(shape: number[], axis: number | number[], r: Float32Array, mean: boolean) {
  const axes = tf.util.parseAxisParam(axis, shape);
  const n = axes.reduce((a, i) => a * shape[i], 1);
  const out = new Float32Array(size(shape));
  const strides = tf.util.computeStrides(shape);
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let k = 0;
    for (let d = 0; d < shape.length; d++) {
      const idx = d < shape.length - 1 ? Math.floor(rest / strides[d]) : rest;
      if (d < shape.length - 1) rest -= idx * strides[d];
      if (!axes.includes(d)) k = k * shape[d] + idx;
    }
    out[i] = mean ? Math.fround(r[k] / n) : r[k];
  }
  return out;
}

describe("Sum and Mean gradients", () => {
  it("are resnetc's", async () => {
    await initBackends();
    registerTrainingGradients();
    for (const k of [tf.Sum, tf.Mean]) {
      const g = tf.getGradient(k) as unknown as Record<symbol, unknown>;
      expect(g[Symbol.for("resnetc.gradient")], k).toBe(true);
    }
  });

  for (const c of CASES) {
    const label = `${JSON.stringify(c.shape)} axis ${JSON.stringify(c.axis)}${c.keepDims ? " keepDims" : ""}`;
    it(label, async () => {
      const xv = randomValues(size(c.shape), 71);
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor(xv, c.shape);
          const outShape = tf.sum(x, c.axis, c.keepDims).shape;
          const r = tf.tensor(randomValues(size(outShape), 72), outShape);
          const gs = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, c.axis, c.keepDims), r)))(x);
          const gm = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, c.axis, c.keepDims), r)))(
            x,
          );
          return {
            r: r.dataSync() as Float32Array,
            sum: { shape: gs.shape, dtype: gs.dtype, data: Array.from(gs.dataSync()) },
            mean: { shape: gm.shape, dtype: gm.dtype, data: Array.from(gm.dataSync()) },
          };
        });
      const { cpu, wasm, routes } = await onCpuAndWasm(run);
      // On wasm the gradients broadcast dy with resnetc's block-copy Tile.
      expect(Object.keys(routesOf(routes, "Tile"))).toEqual(["block copy"]);
      for (const got of [cpu, wasm]) {
        for (const [name, g] of [
          ["sum", got.sum],
          ["mean", got.mean],
        ] as const) {
          expect(g.shape, `${name} shape`).toEqual(c.shape);
          expect(g.dtype).toBe("float32");
          expectClose(g.data, expected(c.shape, c.axis, got.r, name === "mean"), name, 0, 0);
        }
      }
    });
  }
});
