// The tfjs target's batchNormAct (fused-ops/batchnorm.ts) where the backend has no fused kernel
// (cpu): the stock-op composite computes the contract of fused-kernels.ts, batch statistics then
// an optional residual then an optional ReLU, checked against a float64 reference written out
// here, and its gradients (tfjs autodiff) against float64 central differences of that reference,
// for all four combinations of ReLU and residual.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// tfjs-core's Node bundle registers no gradients; tfjs-layers' copy of them does.
import "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BATCH_NORM_ACT_KERNEL,
  type BatchNormActAttrs,
} from "../../../../compiler/targets/tfjs/fused-kernels.js";
import { batchNormAct } from "../../../../compiler/targets/tfjs/fused-ops/batchnorm.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

const SHAPE = [2, 3, 3, 4];
const C = 4;
const N = 72;
const EPS = 1e-3;

/** Deterministic values in [-1, 1), exact in float32. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

interface Inputs {
  x: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  residual: Float64Array | null;
}

/** The contract in float64: y, mean and biased variance per channel. */
function reference(p: Inputs, relu: boolean) {
  const rows = p.x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  p.x.forEach((v, i) => (mean[i % C] += v / rows));
  p.x.forEach((v, i) => (variance[i % C] += (v - mean[i % C]) ** 2 / rows));
  const y = p.x.map((v, i) => {
    const c = i % C;
    const z =
      (p.gamma[c] * (v - mean[c])) / Math.sqrt(variance[c] + EPS) +
      p.beta[c] +
      (p.residual?.[i] ?? 0);
    return relu ? Math.max(0, z) : z;
  });
  return { y, mean, variance };
}

const W = Float64Array.from(values(N, 9));
const loss = (p: Inputs, relu: boolean) =>
  reference(p, relu).y.reduce((s, v, i) => s + v * W[i], 0);

/** d loss / d p[key][i] by central differences in float64. */
function numericGrad(p: Inputs, key: keyof Inputs, relu: boolean): number[] {
  const h = 1e-5;
  const v = p[key]!;
  return Array.from(v, (_, i) => {
    const at = (d: number) => {
      const copy = Float64Array.from(v);
      copy[i] += d;
      return loss({ ...p, [key]: copy }, relu);
    };
    return (at(h) - at(-h)) / (2 * h);
  });
}

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  expect(actual.length, label).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-3 * Math.abs(expected[i]) + 1e-4 * scale;
    expect(
      Math.abs(actual[i] - expected[i]),
      `${label}[${i}]: ${actual[i]} vs ${expected[i]}`,
    ).toBeLessThanOrEqual(tol);
  }
}

describe("batchNormAct without a fused kernel (cpu composite)", () => {
  it("runs on a backend without ResnetcBatchNormAct", () => {
    expect(tf.getKernel(BATCH_NORM_ACT_KERNEL, "cpu")).toBeUndefined();
  });

  for (const relu of [false, true]) {
    for (const withResidual of [false, true]) {
      const label = `${withResidual ? "residual" : "no residual"}, ${relu ? "relu" : "no relu"}`;
      const f32 = {
        x: values(N, 1).map((v) => 3 + 2 * v),
        gamma: values(C, 2).map((v) => 1 + 0.5 * v),
        beta: values(C, 3),
        residual: values(N, 4),
      };
      const p: Inputs = {
        x: Float64Array.from(f32.x),
        gamma: Float64Array.from(f32.gamma),
        beta: Float64Array.from(f32.beta),
        residual: withResidual ? Float64Array.from(f32.residual) : null,
      };
      const run = (xs: tf.Tensor[]) =>
        batchNormAct(xs[0], xs[1] as tf.Tensor1D, xs[2] as tf.Tensor1D, xs[3] ?? null, {
          epsilon: EPS,
          relu,
        });
      const tensors = () => {
        const ts = [tf.tensor(f32.x, SHAPE), tf.tensor1d(f32.gamma), tf.tensor1d(f32.beta)];
        return withResidual ? [...ts, tf.tensor(f32.residual, SHAPE)] : ts;
      };

      it(`${label}: y, mean and variance as the float64 reference`, () => {
        const ref = reference(p, relu);
        const out = tf.tidy(() => {
          const { y, mean, variance } = run(tensors());
          expect(y.shape).toEqual(SHAPE);
          expect(mean.shape).toEqual([C]);
          return [y.dataSync(), mean.dataSync(), variance.dataSync()].map((a) => Array.from(a));
        });
        expectNear(out[0], ref.y, "y");
        expectNear(out[1], ref.mean, "mean");
        expectNear(out[2], ref.variance, "variance");
        if (relu) expect(out[0].some((v) => v === 0)).toBe(true); // the ReLU clipped some
      });

      it(`${label}: gradients as float64 central differences`, () => {
        const w = tf.tensor(values(N, 9), SHAPE);
        const grads = tf.tidy(() =>
          tf
            .grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(run(xs).y, w)))(tensors())
            .map((g) => Array.from(g.dataSync())),
        );
        w.dispose();
        const keys: (keyof Inputs)[] = ["x", "gamma", "beta", "residual"];
        expect(grads.length).toBe(withResidual ? 4 : 3);
        grads.forEach((g, i) => expectNear(g, numericGrad(p, keys[i], relu), `d${keys[i]}`));
      });
    }
  }
});

describe("batchNormAct where the backend has the fused kernel", () => {
  it("calls it once with the contract's inputs and attributes, and returns its outputs", () => {
    const calls: { inputs: string[]; attrs: BatchNormActAttrs }[] = [];
    // A stand-in ResnetcBatchNormAct on cpu: records the call, returns x, gamma and beta's copies.
    tf.registerKernel({
      kernelName: BATCH_NORM_ACT_KERNEL,
      backendName: "cpu",
      kernelFunc: ({ inputs, attrs, backend }) => {
        calls.push({
          inputs: Object.keys(inputs),
          attrs: { ...attrs } as unknown as BatchNormActAttrs,
        });
        const cpu = backend as unknown as {
          makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo;
          readSync(id: tf.DataId): Float32Array;
        };
        return ["x", "gamma", "beta"].map((k) => {
          const t = inputs[k]!;
          return cpu.makeTensorInfo(t.shape, "float32", cpu.readSync(t.dataId).slice());
        });
      },
    });
    try {
      const x = tf.tensor(values(N, 1), SHAPE);
      const gamma = tf.tensor1d(values(C, 2));
      const beta = tf.tensor1d(values(C, 3));
      const r1 = batchNormAct(x, gamma, beta, null, { epsilon: 0.5, relu: true });
      const r2 = batchNormAct(x, gamma, beta, x, { epsilon: 1e-5, relu: false });
      expect(calls).toEqual([
        { inputs: ["x", "gamma", "beta"], attrs: { epsilon: 0.5, relu: true, hasResidual: false } },
        {
          inputs: ["x", "gamma", "beta", "residual"],
          attrs: { epsilon: 1e-5, relu: false, hasResidual: true },
        },
      ]);
      expect(Array.from(r1.y.dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from(r2.mean.dataSync())).toEqual(Array.from(gamma.dataSync()));
      expect(Array.from(r2.variance.dataSync())).toEqual(Array.from(beta.dataSync()));
      tf.dispose([x, gamma, beta, r1.y, r1.mean, r1.variance, r2.y, r2.mean, r2.variance]);
    } finally {
      tf.unregisterKernel(BATCH_NORM_ACT_KERNEL, "cpu");
    }
  });
});
