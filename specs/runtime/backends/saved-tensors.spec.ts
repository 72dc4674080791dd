// Tensors saved for the backward pass share their data instead of going through an Identity
// kernel and a tape node each (runtime/kernels/saved_tensors.ts): a training step's loss and
// gradients are the same to the bit as with tfjs-core's own clone, on cpu and on wasm, the
// Identity calls of the step go down by the number of saved tensors, and nothing is left behind.

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import { registerTrainingGradients } from "../../../runtime/kernels/gradients.js";
import {
  installSharedSaves,
  sharedSavesInstalled,
  uninstallSharedSaves,
} from "../../../runtime/kernels/saved_tensors.js";
import { softmaxCrossEntropy } from "../../../runtime/train/loss.js";
import { tinyNet } from "../train/helpers.js";
import { initBackends } from "./helpers.js";

afterAll(installSharedSaves);

type Step = { loss: number; grads: number[][]; identity: number; kernels: number };

/** One forward and backward pass of the tiny net in training mode, with its kernel profile. */
async function step(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<Step> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let out: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
  const p = await tf.profile(() => {
    out = tf.variableGrads(
      () => softmaxCrossEntropy(model.apply(x, { training: true }) as tf.Tensor, y),
      vars,
    );
  });
  const { value, grads } = out!;
  const r = {
    loss: value.dataSync()[0]!,
    grads: vars.map((v) => Array.from(grads[v.name]!.dataSync())),
    identity: p.kernels.filter((k) => k.name === "Identity").length,
    kernels: p.kernels.length,
  };
  tf.dispose([value, grads]);
  return r;
}

describe("saved tensors share their data", () => {
  it("is what registering the training gradients installs", () => {
    uninstallSharedSaves();
    expect(sharedSavesInstalled()).toBe(false);
    registerTrainingGradients();
    expect(sharedSavesInstalled()).toBe(true);
  });

  for (const backend of ["cpu", "wasm"]) {
    it(`${backend}: the same loss and gradients, ${"fewer Identity calls"}, nothing left`, async () => {
      await initBackends();
      await tf.setBackend(backend);
      try {
        const model = tinyNet({ seed: 3 });
        const x = tf.randomUniform([4, 8, 8, 3], -1, 1, "float32", 5);
        const y = tf.tensor1d([0, 1, 2, 3], "int32");
        // Batch norm's moving averages move with each step; each run starts from the same ones.
        const start = model.weights.map((w) => w.read().clone());
        const reset = () => model.weights.forEach((w, i) => w.write(start[i]!.clone()));
        uninstallSharedSaves();
        const original = await step(model, x, y);
        reset();
        installSharedSaves();
        const shared = await step(model, x, y);
        // Nothing left: one more step (after one that replaced the moving averages that
        // `start` still holds) ends with as many tensors and backend buffers as it began.
        await step(model, x, y);
        const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
        const tensors = tf.memory().numTensors;
        await step(model, x, y);
        expect(tf.memory().numTensors).toBe(tensors);
        expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids);
        expect(shared.loss).toBe(original.loss);
        expect(shared.grads).toEqual(original.grads);
        expect(original.grads.flat().some((g) => g !== 0)).toBe(true);
        // Every Identity call it saves is a kernel call fewer.
        const saved = original.identity - shared.identity;
        expect(saved).toBeGreaterThan(20);
        expect(original.kernels - shared.kernels).toBe(saved);
        tf.dispose([x, y, ...start]);
        model.layers.forEach((l) => l.dispose());
      } finally {
        installSharedSaves();
        await tf.setBackend("cpu");
      }
    });
  }
});
