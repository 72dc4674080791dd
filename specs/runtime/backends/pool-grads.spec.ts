// resnetc's wasm AvgPoolGrad (runtime/kernels/wasm/pool_grads.ts): for pools whose windows neither
// overlap nor pad (the option-A shortcut's 1x1 stride-2 subsample, 2x2 and 3x3 windows at their own
// stride) the gradient is a scatter, equal to the cpu backend's to the bit; other pools take
// tfjs-backend-wasm's own kernel, and say so in the route trace.

import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { onCpuAndWasm, randomValues, routesOf } from "./helpers.js";

type Case = [string, [number, number, number, number], number, number, "valid" | "same", string];

const CASES: Case[] = [
  ["option A: 1x1 stride 2, C odd", [2, 8, 8, 5], 1, 2, "valid", "scatter"],
  ["1x1 stride 2, odd size (last row and column dropped)", [1, 7, 9, 4], 1, 2, "valid", "scatter"],
  ["2x2 stride 2", [2, 6, 6, 4], 2, 2, "valid", "scatter"],
  ["3x3 stride 3 (1/9), rows left over", [1, 7, 8, 3], 3, 3, "valid", "scatter"],
  ["3x3 stride 1 (windows overlap)", [1, 6, 6, 4], 3, 1, "valid", "stock"],
  ["2x2 stride 2 'same' on 7x7 (pads)", [1, 7, 7, 4], 2, 2, "same", "stock"],
];

describe("wasm AvgPoolGrad", () => {
  for (const [label, shape, k, s, pad, route] of CASES) {
    it(`${label}: equals cpu's, route ${route}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = randomValues(n, 7);
      const run = () =>
        tf.tidy(() => {
          const xt = tf.tensor4d(x, shape);
          const pooled = tf.avgPool(xt, k, s, pad);
          // A weighted sum, so that every output pixel has its own dy.
          const weights = tf.tensor(randomValues(pooled.size, 8), pooled.shape);
          const g = tf.grad((t) =>
            tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, k, s, pad), weights)),
          );
          return Array.from(g(xt).dataSync());
        });
      const { cpu, wasm, routes } = await onCpuAndWasm(run);
      expect(routesOf(routes, tf.AvgPoolGrad)).toEqual({ [route]: 1 });
      if (route === "scatter") expect(wasm).toEqual(cpu);
      else for (let i = 0; i < n; i++) expect(wasm[i]).toBeCloseTo(cpu[i]!, 6);
      expect(cpu.some((v) => v !== 0)).toBe(true);
    });
  }
});
