// A training-step check of a backend against the cpu backend, shared by the spec
// (specs/runtime/backends/webgpu-training-step.spec.ts) and the GPU bench (which runs it first, so
// that a GPU machine without Node's test tools still checks the numbers).
//
// The net is ResNet-20-like: the CIFAR ResNet's three stages of basic blocks, widths 16/32/64, one
// block each at 16x16 so that the cpu reference stays fast, option-A shortcuts through the
// option-A shortcut (1x1 average pool with the stride, zero channels appended), global average pooling, dense. Two steps from the same weights and
// data with resnetc's softmax cross-entropy and SGD momentum: the loss of each step, every gradient
// of the first, and every weight after the second (batch norm's moving statistics included).
// Reads are asynchronous: tfjs-backend-webgpu cannot read GPU memory synchronously under Node.js.

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { selectBackend } from "../../runtime/backends/index.js";
import { Rng } from "../../runtime/rng.js";
import { softmaxCrossEntropy } from "../../runtime/train/loss.js";
import { SgdMomentum, isDecayedWeight } from "../../runtime/train/index.js";

export const BATCH = 4;
export const STEPS = 2;

/**
 * Tolerances, [rtol, atol as a fraction of the reference's largest magnitude, atol floor]. A GPU
 * sums float32 in another order than the cpu backend; a wrong kernel is off by far more than this.
 */
export const TOLERANCE = {
  loss: [1e-4, 0, 1e-5],
  gradient: [2e-3, 1e-3, 1e-6],
  weight: [1e-3, 1e-4, 0],
} as const;

export interface StepRun {
  losses: number[];
  grads: Float32Array[];
  weightsAfter: Float32Array[];
  names: string[];
}

type ST = tfl.SymbolicTensor;

/** Uniform values in [-scale, scale) from a seed. */
function seeded(n: number, seed: number, scale: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}

/** Stem, then one basic block per stage (16, 32, 64 channels; the last two downsample). */
export function resnetLike(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 3] });
  const conv = (filters: number, strides: number) =>
    tfl.layers.conv2d({ filters, kernelSize: 3, strides, padding: "same", useBias: false });
  const bn = () => tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const relu = () => tfl.layers.reLU();
  let x = relu().apply(bn().apply(conv(16, 1).apply(input))) as ST;
  let cin = 16;
  for (const [c, s] of [
    [16, 1],
    [32, 2],
    [64, 2],
  ]) {
    let y = relu().apply(bn().apply(conv(c, s).apply(x))) as ST;
    y = bn().apply(conv(c, 1).apply(y)) as ST;
    const shortcut =
      s !== 1 || c !== cin
        ? (tfl.layers
            .zeroPadding2d({
              padding: [
                [0, 0],
                [0, c - cin],
              ],
              dataFormat: "channelsFirst",
            })
            .apply(tfl.layers.averagePooling2d({ poolSize: 1, strides: s }).apply(x)) as ST)
        : x;
    x = relu().apply(tfl.layers.add().apply([y, shortcut])) as ST;
    cin = c;
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as ST;
  const logits = tfl.layers.dense({ units: 10, name: "logits" }).apply(x) as ST;
  return tfl.model({ inputs: input, outputs: logits });
}

async function read(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await t.data()) as Float32Array);
}

/** Selects `backend` and trains the net for STEPS steps from seeded weights and data. */
export async function trainSteps(backend: string): Promise<StepRun> {
  await selectBackend(backend, { env: {} });
  const model = resnetLike();
  // The same weights on every backend (BN gamma near 1, variances positive).
  const init = model.weights.map((w, i) => {
    const v = seeded(tf.util.sizeFromShape(w.shape as number[]), 100 + i, 0.2);
    if (/gamma|moving_variance/.test(w.name)) v.forEach((a, j) => (v[j] = 1 + a));
    return tf.tensor(v, w.shape as number[]);
  });
  model.setWeights(init);
  tf.dispose(init);

  const params = model.trainableWeights.map((w) => ({
    key: w.originalName,
    variable: (w as unknown as { val: tf.Variable }).val,
    decay: isDecayedWeight(w.originalName),
  }));
  const opt = new SgdMomentum(params, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const x = tf.tensor4d(seeded(BATCH * 16 * 16 * 3, 7, 1), [BATCH, 16, 16, 3]);
  const y = tf.tensor1d([3, 1, 4, 1], "int32");
  const losses: number[] = [];
  let grads: Float32Array[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { value, grads: g } = tf.variableGrads(
      () => softmaxCrossEntropy(model.apply(x, { training: true }) as tf.Tensor, y),
      opt.variables(),
    );
    losses.push((await read(value))[0]);
    if (step === 0) {
      grads = [];
      for (const v of opt.variables()) grads.push(await read(g[v.name]));
    }
    opt.step(g);
    tf.dispose([value, g]);
  }
  const weightsAfter: Float32Array[] = [];
  for (const w of model.weights) weightsAfter.push(await read(w.read()));
  const names = model.weights.map((w) => w.originalName);
  opt.dispose();
  tf.dispose([x, y]);
  model.dispose();
  return { losses, grads, weightsAfter, names };
}

/** The element furthest outside the tolerance, or null when every element is within it. */
export function worstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  [rtol, atolScale, absFloor]: readonly [number, number, number],
): { index: number; actual: number; expected: number; excess: number } | null {
  if (actual.length !== expected.length) {
    return { index: -1, actual: actual.length, expected: expected.length, excess: Infinity };
  }
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i]));
  const atol = Math.max(atolScale * max, absFloor);
  let worst: { index: number; actual: number; expected: number; excess: number } | null = null;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst == null || !(excess <= worst.excess))) {
      worst = { index: i, actual: actual[i], expected: expected[i], excess };
    }
  }
  return worst;
}

export interface CheckResult {
  backend: string;
  passed: boolean;
  losses: { cpu: number[]; backend: number[] };
  /** What is outside the tolerance: "gradient 3: element 17 is 0.1, expected 0.2". */
  failures: string[];
  seconds: number;
}

/** Trains on cpu and on `backend` and compares; never throws (a failure is in `failures`). */
export async function checkAgainstCpu(backend: string): Promise<CheckResult> {
  const t0 = performance.now();
  const failures: string[] = [];
  let cpu: StepRun | null = null;
  let other: StepRun | null = null;
  try {
    cpu = await trainSteps("cpu");
    other = await trainSteps(backend);
    const compare = (
      label: string,
      a: Float32Array[],
      e: Float32Array[],
      tol: typeof TOLERANCE.weight | typeof TOLERANCE.gradient,
    ) => {
      e.forEach((ref, i) => {
        const w = worstMismatch(a[i], ref, tol);
        if (w != null) {
          failures.push(`${label} ${i}: element ${w.index} is ${w.actual}, expected ${w.expected}`);
        }
      });
    };
    const lossWorst = worstMismatch(other.losses, cpu.losses, TOLERANCE.loss);
    if (lossWorst != null)
      failures.push(
        `loss of step ${lossWorst.index + 1}: ${lossWorst.actual}, expected ${lossWorst.expected}`,
      );
    compare("gradient", other.grads, cpu.grads, TOLERANCE.gradient);
    compare("weight", other.weightsAfter, cpu.weightsAfter, TOLERANCE.weight);
  } catch (err) {
    failures.push(`error: ${(err as Error).message.split("\n")[0]}`);
  }
  return {
    backend,
    passed: failures.length === 0,
    losses: { cpu: cpu?.losses ?? [], backend: other?.losses ?? [] },
    failures: failures.slice(0, 10),
    seconds: (performance.now() - t0) / 1000,
  };
}
