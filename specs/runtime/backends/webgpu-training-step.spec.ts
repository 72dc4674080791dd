// A ResNet-20-like net (the CIFAR ResNet's three stages of basic blocks, widths 16/32/64, one block
// each at 16x16 so that the cpu reference stays fast; option-A shortcuts through the compiler's
// ShortcutA layer) trained for two steps on webgpu and on the cpu backend from the same weights and
// data: the loss of each step, every gradient of the first, and every weight after the second
// (trainable ones and batch norm's moving statistics), with resnetc's own loss and SGD-momentum.
//
// It runs where Dawn finds a real adapter (a GPU with a Vulkan driver, or a software Vulkan such as
// a recent lavapipe) and is skipped, with the reason in its name, everywhere else. Reads are
// asynchronous: tfjs-backend-webgpu cannot read GPU memory synchronously under Node.js.

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { ShortcutA } from "../../../compiler/shortcut-a.js";
import { selectBackend } from "../../../runtime/backends/index.js";
import { probeWebgpu } from "../../../runtime/backends/probes.js";
import { softmaxCrossEntropy } from "../../../runtime/train/loss.js";
import { SgdMomentum, isDecayedWeight } from "../../../runtime/train/index.js";
import { expectClose, randomValues } from "./helpers.js";

/** The backend under test; the reference is always cpu. */
const BACKEND = "webgpu";
const probe = await probeWebgpu();
const runs = probe.status === "available" && probe.detail !== "adapter: null-backend";
const title = runs
  ? `ResNet training steps on webgpu (${probe.summary}) match cpu`
  : probe.status === "no GPU visible"
    ? `${probe.summary.replace("no adapter", "no adapter here")}`
    : `webgpu: not usable here (${probe.autoSkip ?? probe.summary})`;

const BATCH = 4;
const STEPS = 2;

interface Run {
  losses: number[];
  grads: Float32Array[];
  weightsAfter: Float32Array[];
  names: string[];
}

type ST = tfl.SymbolicTensor;

/** Stem, then one basic block per stage (16, 32, 64 channels; the last two downsample). */
function resnetLike(): tfl.LayersModel {
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
        ? (new ShortcutA({ stride: s, padChannels: c - cin }).apply(x) as ST)
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

async function train(backend: string): Promise<Run> {
  await selectBackend(backend, { env: {} });
  const model = resnetLike();
  // The same weights on both backends, from a seed (BN gamma near 1, variances positive).
  const init = model.weights.map((w, i) => {
    const v = randomValues(tf.util.sizeFromShape(w.shape as number[]), 100 + i, 0.2);
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
  const x = tf.tensor4d(randomValues(BATCH * 16 * 16 * 3, 7), [BATCH, 16, 16, 3]);
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

describe.skipIf(!runs)(title, () => {
  it("loss, every gradient, and the weights after two SGD-momentum steps", async () => {
    const cpu = await train("cpu");
    const gpu = await train(BACKEND);
    await selectBackend("cpu", { env: {} });
    // 7 convolutions, 7 batch norms (gamma, beta), the dense layer's kernel and bias.
    expect(cpu.grads.length).toBe(7 + 2 * 7 + 2);
    for (let s = 0; s < STEPS; s++) {
      expect(Math.abs(gpu.losses[s] - cpu.losses[s]), `loss of step ${s + 1}`).toBeLessThan(
        1e-4 * Math.abs(cpu.losses[s]) + 1e-5,
      );
    }
    // GPU float32 sums in another order than cpu's; a wrong kernel is off by far more than this.
    cpu.grads.forEach((g, i) => expectClose(gpu.grads[i], g, `gradient ${i}`, 2e-3, 1e-3, 1e-6));
    cpu.weightsAfter.forEach((w, i) =>
      expectClose(gpu.weightsAfter[i], w, `weight ${cpu.names[i]}`, 1e-3, 1e-4),
    );
  });
});
