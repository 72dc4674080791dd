// The fused SGD-with-momentum update (runtime/kernels/wasm/sgd_update.ts): SgdMomentum with the
// fused kernel on wasm (SIMD loop, or the JS loop with resnetc's SIMD off) and on cpu gives the
// same weights and velocities, to the bit, as its op-by-op path on cpu, for every variant (weight
// decay on or off per variable, momentum 0, momentum, Nesterov) and for sizes that leave 1-3
// floats after the last group of 4. The brief allowed 1e-6 relative; the paths do the same float32
// operations in the same order, so nothing less than equality is accepted.

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SIMD_ENV } from "../../../runtime/kernels/wasm/simd_module.js";
import { SGD_KERNEL } from "../../../runtime/kernels/wasm/sgd_update.js";
import { SgdMomentum, type SgdOptions } from "../../../runtime/train/optimizer.js";
import { initBackends, randomValues, routesOf } from "./helpers.js";
import { startRouteTrace, stopRouteTrace } from "../../../runtime/kernels/wasm/route_trace.js";

beforeAll(initBackends);
afterEach(async () => {
  delete process.env[SIMD_ENV];
  await tf.setBackend("cpu");
});

// Conv kernel, BN gamma (no decay), an odd-sized dense kernel and bias (tails of 1 and 3 floats).
const SHAPES: [string, number[], boolean][] = [
  ["conv/kernel", [3, 3, 4, 8], true],
  ["bn/gamma", [16], false],
  ["dense/kernel", [7, 3], true],
  ["dense/bias", [3], false],
];

interface Run {
  weights: number[][];
  velocities: number[][];
  route: string | null;
  routes: Record<string, number>;
}

/** Three steps (lr changing) from seeded weights and gradients on the active backend. */
async function threeSteps(opts: SgdOptions): Promise<Run> {
  const vars = SHAPES.map(([name, shape], i) =>
    tf.variable(
      tf.tensor(randomValues(tf.util.sizeFromShape(shape), 10 + i, 2), shape),
      true,
      `${name}_${tf.getBackend()}_${Math.random()}`,
    ),
  );
  const opt = new SgdMomentum(
    SHAPES.map(([key, , decay], i) => ({ key, variable: vars[i]!, decay })),
    opts,
  );
  startRouteTrace();
  for (let s = 0; s < 3; s++) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      grads[v.name] = tf.tensor(randomValues(v.size, 100 * s + i, 0.5), v.shape);
    });
    opt.lr = [0.1, 0.05, 0.3][s]!;
    const before = tf.memory().numTensors;
    opt.step(grads);
    expect(tf.memory().numTensors, "tensors after a step").toBe(before);
    tf.dispose(grads);
  }
  const routes = routesOf(stopRouteTrace(), SGD_KERNEL);
  const run: Run = {
    weights: vars.map((v) => Array.from(v.dataSync())),
    velocities: (await opt.getState()).map((s) => Array.from(s.values)),
    route: opt.lastRoute,
    routes,
  };
  opt.dispose();
  tf.dispose(vars);
  return run;
}

const VARIANTS: [string, SgdOptions][] = [
  ["momentum 0.9, weight decay", { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 }],
  ["Nesterov, weight decay", { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true }],
  ["momentum 0.9, no weight decay", { lr: 0.1, momentum: 0.9, weightDecay: 0 }],
  ["no momentum, weight decay", { lr: 0.1, momentum: 0, weightDecay: 1e-2 }],
];

describe("fused SGD update", () => {
  for (const [label, opts] of VARIANTS) {
    it(`${label}: wasm (SIMD) and cpu fused equal the op path on cpu, bit for bit`, async () => {
      const reference = await threeSteps({ ...opts, fused: false });
      expect(reference.route).toBe("ops");
      expect(reference.routes).toEqual({});
      await tf.setBackend("wasm");
      const wasm = await threeSteps(opts);
      expect(wasm.route).toBe("fused");
      expect(wasm.routes).toEqual({ simd: 3 * SHAPES.length });
      await tf.setBackend("cpu");
      const cpu = await threeSteps(opts);
      expect(cpu.route).toBe("fused");
      expect(cpu.routes).toEqual({ js: 3 * SHAPES.length });
      for (const run of [wasm, cpu]) {
        expect(run.weights).toEqual(reference.weights);
        expect(run.velocities).toEqual(reference.velocities);
      }
      // The updates did something (not a path that leaves the weights alone).
      expect(reference.weights[0]).not.toEqual(
        Array.from(randomValues(reference.weights[0]!.length, 10, 2)),
      );
    });
  }

  it("on wasm with resnetc's SIMD loops off: the JS loop, the same bits", async () => {
    const opts = VARIANTS[0]![1];
    const reference = await threeSteps({ ...opts, fused: false });
    await tf.setBackend("wasm");
    process.env[SIMD_ENV] = "off";
    const wasm = await threeSteps(opts);
    expect(wasm.routes).toEqual({ js: 3 * SHAPES.length });
    expect(wasm.weights).toEqual(reference.weights);
    expect(wasm.velocities).toEqual(reference.velocities);
  });

  it("takes one kernel call per variable instead of five to seven", async () => {
    await tf.setBackend("wasm");
    const count = async (fused: boolean) => {
      const v = tf.variable(tf.ones([8]), true, `k_${fused}_${Math.random()}`);
      const opt = new SgdMomentum([{ key: "k", variable: v, decay: true }], {
        lr: 0.1,
        momentum: 0.9,
        weightDecay: 1e-4,
        fused,
      });
      const g = tf.ones([8]);
      const p = await tf.profile(() => opt.step({ [v.name]: g }));
      opt.dispose();
      tf.dispose([v, g]);
      return p.kernels.map((k) => k.name);
    };
    expect(await count(true)).toEqual([SGD_KERNEL]);
    expect(await count(false)).toEqual(["Multiply", "Add", "Multiply", "Add", "Multiply", "Sub"]);
  });
});
