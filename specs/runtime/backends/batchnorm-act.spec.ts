// resnetc's fused batch norm (+ residual) (+ ReLU) kernels on wasm (ResnetcBatchNormAct and its
// gradient ResnetcBatchNormActGrad, runtime/kernels/wasm/batchnorm_act.ts) against the stock-op
// composite on the cpu backend (compiler/targets/tfjs/fused-ops/batchnorm.ts): y, mean, variance
// and every input's gradient through tf.grads, ResNet's shapes and odd ones, with the route each
// took (SIMD, or JS when C % 4 != 0 or SIMD is off), a large-mean case against float64, and no
// heap left behind.

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { batchNormAct } from "../../../compiler/targets/tfjs/fused-ops/batchnorm.js";
import {
  BATCH_NORM_ACT_GRAD_KERNEL,
  BATCH_NORM_ACT_KERNEL,
} from "../../../compiler/targets/tfjs/fused-kernels.js";
import {
  assembleBnModule,
  bnLoops,
  bnModuleFailure,
} from "../../../runtime/kernels/wasm/bn_module.js";
import type { RouteCounts } from "../../../runtime/kernels/wasm/route_trace.js";
import type { WasmModuleLike } from "../../../runtime/kernels/wasm/wasm_heap.js";
import {
  expectClose,
  expectNothingLeftOnWasm,
  initBackends,
  onCpuAndWasm,
  onWasm,
  randomValues,
  routesOf,
  size,
} from "./helpers.js";

const EPS = 1e-3;

interface Case {
  shape: number[];
  residual: boolean;
  relu: boolean;
  route: "simd" | "js";
  /** x = offset + scale * uniform[-1, 1) */
  offset?: number;
}

// A type (not an interface) so that tf.tidy accepts it as a TensorContainer.
type Out = Record<string, number[]>;

/** Forward and all gradients of sum(y * w) (w fixed, random) through batchNormAct. */
function run(c: Case): Out {
  return tf.tidy(() => {
    const C = c.shape[c.shape.length - 1];
    const n = size(c.shape);
    const x = tf.tensor(
      randomValues(n, 1).map((v) => v + (c.offset ?? 0)),
      c.shape,
    );
    const gamma = tf.tensor1d(randomValues(C, 2).map((v) => 1 + 0.5 * v));
    const beta = tf.tensor1d(randomValues(C, 3, 0.5));
    const residual = tf.tensor(randomValues(n, 4), c.shape);
    const w = tf.tensor(randomValues(n, 5), c.shape);
    const opts = { epsilon: EPS, relu: c.relu };
    const forward = (xs: tf.Tensor[]) =>
      batchNormAct(xs[0], xs[1] as tf.Tensor1D, xs[2] as tf.Tensor1D, xs[3] ?? null, opts);
    const inputs = c.residual ? [x, gamma, beta, residual] : [x, gamma, beta];
    const { y, mean, variance } = forward(inputs);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(forward(xs).y, w)))(inputs);
    const out: Out = {
      y: Array.from(y.dataSync()),
      mean: Array.from(mean.dataSync()),
      variance: Array.from(variance.dataSync()),
    };
    ["dx", "dgamma", "dbeta", "dresidual"].forEach((k, i) => {
      if (grads[i] != null) out[k] = Array.from(grads[i].dataSync());
    });
    return out;
  });
}

const CASES: Case[] = [
  { shape: [64, 32, 32, 16], residual: false, relu: true, route: "simd" },
  { shape: [64, 32, 32, 16], residual: true, relu: true, route: "simd" },
  { shape: [8, 8, 8, 64], residual: true, relu: true, route: "simd" },
  { shape: [8, 8, 8, 64], residual: false, relu: false, route: "simd" },
  { shape: [8, 16, 16, 32], residual: true, relu: false, route: "simd" },
  { shape: [3, 5, 7, 8], residual: true, relu: true, route: "simd" }, // odd N, H, W
  { shape: [3, 5, 7, 20], residual: false, relu: true, route: "simd" }, // 4 + 1 v128 groups
  { shape: [2, 3, 3, 4], residual: false, relu: true, route: "simd" }, // C = 4
  { shape: [1, 1, 1, 4], residual: true, relu: true, route: "simd" }, // one row
  { shape: [7, 100, 12], residual: false, relu: true, route: "simd" }, // rank 3, 700 rows
  { shape: [2, 5, 5, 6], residual: true, relu: true, route: "js" }, // C % 4
  { shape: [2, 5, 5, 3], residual: false, relu: false, route: "js" },
];

/** The routes expected of one forward and one backward call. */
const expectRoutes = (routes: RouteCounts, route: string) => {
  expect(routesOf(routes, BATCH_NORM_ACT_KERNEL), "forward").toEqual({ [route]: 2 });
  expect(routesOf(routes, BATCH_NORM_ACT_GRAD_KERNEL), "backward").toEqual({ [route]: 1 });
  // The composite's kernels did not run on wasm.
  expect(routesOf(routes, "Mean")).toEqual({});
  expect(routesOf(routes, "FusedBatchNorm")).toEqual({});
};

describe("resnetc's batch norm module", () => {
  beforeAll(initBackends);

  it("assembles to a valid module and binds to the wasm backend's heap", () => {
    const bytes = assembleBnModule();
    const api = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } })
      .WebAssembly;
    expect(api.validate(bytes)).toBe(true);
    const wasm = tf.findBackend("wasm") as unknown as { wasm: WasmModuleLike };
    expect(bnLoops(wasm.wasm)).not.toBeNull();
    expect(bnModuleFailure()).toBeNull();
    expect(tf.getKernel(BATCH_NORM_ACT_KERNEL, "wasm")).toBeDefined();
    expect(tf.getKernel(BATCH_NORM_ACT_GRAD_KERNEL, "wasm")).toBeDefined();
    expect(tf.getGradient(BATCH_NORM_ACT_KERNEL)).toBeDefined();
    // cpu has no such kernel: the composite runs there.
    expect(tf.getKernel(BATCH_NORM_ACT_KERNEL, "cpu")).toBeUndefined();
  });
});

describe("wasm ResnetcBatchNormAct and its gradient match the cpu composite", () => {
  for (const c of CASES) {
    const label =
      `${JSON.stringify(c.shape)}${c.residual ? " + residual" : ""}` +
      `${c.relu ? " + relu" : ""} (${c.route})`;
    it(label, async () => {
      const { cpu, wasm, routes } = await onCpuAndWasm(() => run(c));
      expectRoutes(routes, c.route);
      expect(Object.keys(wasm).sort()).toEqual(Object.keys(cpu).sort());
      expect("dresidual" in wasm).toBe(c.residual);
      for (const k of Object.keys(cpu)) {
        // Sums over up to 65536 rows in float32 on both sides, in different orders; one row
        // normalises to 0 exactly here and to rounding noise on cpu.
        expectClose(wasm[k], cpu[k], `${label} ${k}`, 1e-3, 1e-4, 1e-5);
      }
    });
  }
});

describe("tf.variableGrads through the fused kernel", () => {
  it("gives gamma's and beta's gradients as on cpu (x a constant, two layers deep)", async () => {
    const shape = [4, 6, 6, 16];
    const f = () => {
      const gamma = tf.variable(tf.tensor1d(randomValues(16, 2).map((v) => 1 + 0.5 * v)));
      const beta = tf.variable(tf.tensor1d(randomValues(16, 3, 0.5)));
      const x = tf.tensor(randomValues(size(shape), 1), shape);
      const w = tf.tensor(randomValues(size(shape), 5), shape);
      const opts = { epsilon: EPS, relu: true };
      const { value, grads } = tf.variableGrads(() => {
        // The second layer takes the first's output as its residual.
        const h = batchNormAct(x, gamma, beta, null, opts).y;
        const y = batchNormAct(tf.mul(h, w), gamma, beta, h, opts).y;
        return tf.sum(tf.mul(y, w)) as tf.Scalar;
      });
      const out = {
        loss: [value.dataSync()[0]],
        dgamma: Array.from(grads[gamma.name].dataSync()),
        dbeta: Array.from(grads[beta.name].dataSync()),
      };
      tf.dispose([gamma, beta, x, w, value, ...Object.values(grads)]);
      return out;
    };
    const { cpu, wasm, routes } = await onCpuAndWasm(f);
    expect(routesOf(routes, BATCH_NORM_ACT_KERNEL)).toEqual({ simd: 2 });
    expect(routesOf(routes, BATCH_NORM_ACT_GRAD_KERNEL)).toEqual({ simd: 2 });
    for (const k of Object.keys(cpu) as (keyof typeof cpu)[]) {
      expectClose(wasm[k], cpu[k], k, 1e-3, 1e-4);
    }
  });
});

/** Float64 mean and biased variance per channel of a [rows, C] array. */
function float64Moments(x: Float32Array, C: number): { mean: number[]; variance: number[] } {
  const rows = x.length / C;
  const mean = new Array<number>(C).fill(0);
  const variance = new Array<number>(C).fill(0);
  x.forEach((v, i) => (mean[i % C] += v / rows));
  x.forEach((v, i) => (variance[i % C] += (v - mean[i % C]) ** 2 / rows));
  return { mean, variance };
}

describe("the fused kernel's statistics on data with a large mean", () => {
  it("mean 100, std 0.58: mean and variance as float64's, y as the cpu composite's", async () => {
    const c: Case = { shape: [16, 16, 16, 32], residual: false, relu: false, route: "simd" };
    const { cpu, wasm, routes } = await onCpuAndWasm(() => run({ ...c, offset: 100 }));
    expectRoutes(routes, "simd");
    const x = randomValues(size(c.shape), 1).map((v) => v + 100);
    const ref = float64Moments(x, 32);
    expectClose(wasm.mean, ref.mean, "mean", 1e-7, 0);
    // Unshifted float32 sums of squares (x*x ~ 1e4) would be off by far more than this.
    expectClose(wasm.variance, ref.variance, "variance", 1e-4, 0);
    expectClose(wasm.y, cpu.y, "y", 1e-3, 1e-4);
    expectClose(wasm.dx, cpu.dx, "dx", 1e-3, 1e-4);
  });
});

describe("the fused kernels' fallbacks and memory", () => {
  afterEach(() => {
    delete process.env.RESNETC_WASM_SIMD;
  });

  it("run the JS route with RESNETC_WASM_SIMD=off, with the same numbers", async () => {
    const c: Case = { shape: [4, 6, 6, 16], residual: true, relu: true, route: "js" };
    const simd = await onCpuAndWasm(() => run(c));
    process.env.RESNETC_WASM_SIMD = "off";
    const js = await onCpuAndWasm(() => run(c));
    expectRoutes(js.routes, "js");
    for (const k of Object.keys(simd.wasm)) {
      expectClose(js.wasm[k], simd.wasm[k], k, 1e-4, 1e-5);
    }
  });

  it("give dresidual as its own tensor, which outlives dy", async () => {
    for (const shape of [
      [2, 4, 4, 8],
      [2, 4, 4, 6],
    ]) {
      await onWasm(() => {
        const C = shape[3];
        const x = tf.tensor(randomValues(size(shape), 1), shape);
        const gamma = tf.ones([C]);
        const beta = tf.zeros([C]) as tf.Tensor1D;
        const { y, mean, variance } = batchNormAct(x, gamma as tf.Tensor1D, beta, x, {
          epsilon: EPS,
          relu: false,
        });
        const dy = tf.tensor(randomValues(size(shape), 6), shape);
        const dyValues = Array.from(dy.dataSync());
        const attrs = { epsilon: EPS, relu: false, hasResidual: true };
        const inputs = { dy, x, gamma, y, mean, variance };
        const outs = tf
          .engine()
          .runKernel(BATCH_NORM_ACT_GRAD_KERNEL, inputs, attrs) as tf.Tensor[];
        expect(outs.length).toBe(4);
        const ids = [dy, ...outs].map((t) => t.dataId);
        expect(new Set(ids).size).toBe(5);
        dy.dispose();
        expect(Array.from(outs[3].dataSync())).toEqual(dyValues);
        tf.dispose([x, gamma, beta, y, mean, variance, ...outs]);
      });
    }
  });

  it("leave nothing on the wasm heap (SIMD and JS routes)", async () => {
    for (const shape of [
      [4, 8, 8, 16],
      [2, 5, 5, 6],
    ]) {
      await expectNothingLeftOnWasm(() => {
        run({ shape, residual: true, relu: true, route: "simd" });
      });
    }
  });
});
