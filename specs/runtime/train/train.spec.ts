import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { CheckpointError } from "../../../runtime/io/errors.js";
import { loadCheckpoint } from "../../../runtime/io/checkpoint.js";
import { readMean } from "../../../runtime/io/mean.js";
import { loadLayersModel } from "../../../runtime/io/model-io.js";
import { TrainError } from "../../../runtime/train/errors.js";
import { evaluate } from "../../../runtime/train/evaluate.js";
import { readMetrics, type EpochMetrics } from "../../../runtime/train/metrics.js";
import { train, type TrainOptions } from "../../../runtime/train/train.js";
import { maxAbsDiff, memoryData, recipe, tinyNet, useCpu, weightValues } from "./helpers.js";

beforeAll(useCpu);

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-train-"));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

function options(
  over: Partial<TrainOptions> & Pick<TrainOptions, "outDir">,
): TrainOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    model: tinyNet(),
    data: memoryData(),
    recipe: recipe(),
    seed: 11,
    resume: false,
    log: (l) => lines.push(l),
    ...over,
    lines,
  };
}

describe("train", () => {
  it("overfits a small fixed batch: loss falls >= 10x, train accuracy 100%, BN statistics move", async () => {
    const data = memoryData({ n: 8, testN: 8, seed: 3 });
    const model = tinyNet({ seed: 2 });
    const o = options({
      outDir: root,
      model,
      data,
      recipe: recipe({
        batchSize: 8,
        lr: 0.1,
        weightDecay: 0,
        epochs: 40,
        augment: { pad: 0, randomCrop: 0, flip: false, scale: null },
      }),
    });
    const res = await train(o);
    expect(res.interrupted).toBe(false);
    expect(res.epochs).toBe(40);
    expect(res.iteration).toBe(40);
    const first = res.metrics[0]!;
    const last = res.metrics.at(-1)!;
    expect(first.trainLoss / last.trainLoss).toBeGreaterThanOrEqual(10);
    expect(last.trainError).toBe(0);
    // BN ran in training mode: its moving statistics moved away from their initial 0 / 1 (bn1's mean
    // stays ~0: it follows a conv of mean-subtracted inputs, and the batch is the whole data set).
    const moved = new Map(
      model.weights
        .filter((w) => /moving_(mean|variance)$/.test(w.originalName))
        .map((w) => {
          const init = w.originalName.endsWith("mean") ? 0 : 1;
          return [
            w.originalName,
            Math.max(...Array.from(w.read().dataSync(), (v) => Math.abs(v - init))),
          ];
        }),
    );
    expect(moved.size).toBe(6);
    for (const [name, d] of moved)
      if (name !== "bn1/moving_mean") expect(d, name).toBeGreaterThan(1e-3);
    // In inference mode (moving statistics) it classifies the training examples too.
    const mean = (await readMean(root))!.mean;
    const ev = await evaluate(model, data.train, { batchSize: 8, mean });
    expect(ev).toMatchObject({ top1Error: 0, top5Error: null, n: 8 });
  });

  it("writes metrics.jsonl, mean.json and the final model; tensors stay constant across epochs", async () => {
    const counts: number[] = [];
    const o = options({
      outDir: root,
      recipe: recipe({ epochs: 3 }),
      extraModelFiles: { "net.resnet": "spec text" },
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    const before = tf.memory().numTensors;
    const res = await train(o);
    expect(counts).toHaveLength(3);
    expect(new Set(counts).size).toBe(1);
    // After training only the optimizer's velocities are gone again.
    expect(tf.memory().numTensors).toBe(before);

    const m = await readMetrics(path.join(root, "metrics.jsonl"));
    expect(m).toEqual(res.metrics);
    expect(m.map((x) => [x.epoch, x.iteration])).toEqual([
      [1, 4],
      [2, 8],
      [3, 12],
    ]);
    for (const x of m) {
      expect(Object.keys(x).sort()).toEqual(
        [
          "epoch",
          "iteration",
          "lr",
          "trainLoss",
          "trainError",
          "testLoss",
          "testTop1Error",
          "testTop5Error",
          "imagesPerSec",
          "seconds",
        ].sort(),
      );
      expect(x.testTop5Error).toBeNull(); // 4 classes
      expect(x.lr).toBe(0.05);
    }
    expect(o.lines.filter((l) => l.startsWith("epoch "))).toHaveLength(3);
    expect(o.lines[0]).toMatch(
      /^epoch 1\/3  iter 4  lr 0.05  train loss \d\.\d{4} err \d+\.\d\d%  test loss/,
    );

    expect(res.modelDir).toBe(path.join(root, "model"));
    expect((await fsp.readdir(res.modelDir!)).sort()).toEqual([
      "mean.json",
      "model.json",
      "net.resnet",
      "weights.bin",
    ]);
    const loaded = await loadLayersModel(res.modelDir!);
    expect(weightValues(loaded)).toEqual(weightValues(o.model));
    expect((await readMean(root))!.mean).toEqual((await readMean(res.modelDir!))!.mean);
    const ck = await loadCheckpoint(path.join(root, "checkpoint"));
    expect(ck).toMatchObject({ epoch: 3, batchInEpoch: 0, iteration: 12, seed: 11 });
    expect(ck.weights.map((w) => w.name)).toEqual(o.model.weights.map((w) => w.originalName));
    expect(ck.velocities.map((w) => w.name)).toEqual(
      o.model.trainableWeights.map((w) => w.originalName),
    );
  });

  it("stops at stopIteration mid-epoch, evaluating the partial epoch", async () => {
    const res = await train(
      options({ outDir: root, recipe: recipe({ epochs: 10, stopIteration: 6 }) }),
    );
    expect(res.metrics.map((m) => [m.epoch, m.iteration])).toEqual([
      [1, 4],
      [2, 6],
    ]);
    expect(res.modelDir).not.toBeNull();
  });

  const resumeRecipe = (epochs: number) =>
    recipe({
      epochs,
      lr: 0.05,
      warmup: { lr: 0.01, iterations: 6 },
      schedule: { milestones: [1], factor: 0.5, unit: "epoch" },
    });

  it("2 epochs straight == 1 epoch + resume 1 epoch (same seed)", async () => {
    const a = options({
      outDir: path.join(root, "a"),
      model: tinyNet({ seed: 1 }),
      recipe: resumeRecipe(2),
    });
    await train(a);

    const b = options({
      outDir: path.join(root, "b"),
      model: tinyNet({ seed: 1 }),
      recipe: resumeRecipe(1),
    });
    const first = await train(b);
    expect(first.epochs).toBe(1);
    const c = options({
      outDir: path.join(root, "b"),
      model: tinyNet({ seed: 99 }), // overwritten by the checkpoint
      recipe: resumeRecipe(2),
      resume: true,
    });
    const res = await train(c);
    expect(c.lines[0]).toBe(
      `Resuming from ${path.join(root, "b", "checkpoint", "checkpoint.json")}: epoch 2, iteration 4`,
    );
    expect(res.epochs).toBe(2);
    expect(maxAbsDiff(weightValues(c.model), weightValues(a.model))).toBeLessThan(1e-6);
    const ma = await readMetrics(path.join(root, "a", "metrics.jsonl"));
    const mb = await readMetrics(path.join(root, "b", "metrics.jsonl"));
    const strip = (m: EpochMetrics[]) =>
      m.map(({ imagesPerSec: _i, seconds: _s, ...rest }) => rest);
    expect(strip(mb)).toEqual(strip(ma));
    // Epoch 1 is all warm-up (4 of its 6 iterations); epoch 2 ends at 0.05 halved by the epoch-1 milestone.
    expect(ma.map((m) => m.lr)).toEqual([0.01, 0.025]);
  });

  it("abort mid-epoch -> checkpoint with the batch index -> resume gives the uninterrupted result", async () => {
    const a = options({
      outDir: path.join(root, "a"),
      model: tinyNet({ seed: 1 }),
      recipe: resumeRecipe(3),
    });
    await train(a);

    const controller = new AbortController();
    let epochsSeen = 0;
    const data = memoryData({
      onTrainBatch: (i) => {
        if (epochsSeen === 1 && i === 2) controller.abort();
      },
    });
    const b = options({
      outDir: path.join(root, "b"),
      model: tinyNet({ seed: 1 }),
      data,
      recipe: resumeRecipe(3),
      signal: controller.signal,
      onEpoch: () => epochsSeen++,
    });
    const res = await train(b);
    expect(res).toMatchObject({ interrupted: true, epochs: 1, iteration: 6, modelDir: null });
    const ckptFile = path.join(root, "b", "checkpoint", "checkpoint.json");
    expect(b.lines.slice(-2)).toEqual([
      `Interrupted at epoch 2 (after batch 2 of 4), iteration 6. Checkpoint written to ${ckptFile}.`,
      "To resume, run the same command again with --resume.",
    ]);
    expect(await loadCheckpoint(path.dirname(ckptFile))).toMatchObject({
      epoch: 1,
      batchInEpoch: 2,
      iteration: 6,
    });

    const c = options({
      outDir: path.join(root, "b"),
      model: tinyNet({ seed: 5 }),
      recipe: resumeRecipe(3),
      resume: true,
    });
    const done = await train(c);
    expect(c.lines[0]).toBe(`Resuming from ${ckptFile}: epoch 2 (from batch 3 of 4), iteration 6`);
    expect(done).toMatchObject({ interrupted: false, epochs: 3, iteration: 12 });
    expect(maxAbsDiff(weightValues(c.model), weightValues(a.model))).toBeLessThan(1e-6);
    const strip = (m: EpochMetrics[]) =>
      m.map(({ imagesPerSec: _i, seconds: _s, ...rest }) => rest);
    expect(strip(done.metrics)).toEqual(
      strip(await readMetrics(path.join(root, "a", "metrics.jsonl"))),
    );
  });

  it("an abort between epochs resumes at the next epoch", async () => {
    const controller = new AbortController();
    const b = options({
      outDir: root,
      recipe: recipe({ epochs: 3 }),
      signal: controller.signal,
      onEpoch: () => controller.abort(),
    });
    const res = await train(b);
    expect(res).toMatchObject({ interrupted: true, epochs: 1, iteration: 4 });
    expect(b.lines.at(-2)).toMatch(
      /^Interrupted at the end of epoch 1, iteration 4\. Checkpoint written to /,
    );
    const c = options({ outDir: root, recipe: recipe({ epochs: 3 }), resume: true });
    expect(await train(c)).toMatchObject({ interrupted: false, epochs: 3, iteration: 12 });
    expect((await readMetrics(path.join(root, "metrics.jsonl"))).map((m) => m.epoch)).toEqual([
      1, 2, 3,
    ]);
  });

  it("resume without a checkpoint: an error naming the path", async () => {
    const p = path.join(root, "checkpoint", "checkpoint.json");
    const err = await train(options({ outDir: root, resume: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toBe(`cannot resume: there is no checkpoint at ${p}`);
  });

  it("a NaN loss stops with a TrainError naming the epoch and iteration and the likely causes", async () => {
    const before = tf.memory().numTensors;
    const o = options({
      outDir: root,
      data: memoryData({ poison: NaN }),
      recipe: recipe({ normalize: "none" }),
    });
    const err = await train(o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    expect((err as TrainError).message).toBe(
      "training diverged: the loss became NaN at epoch 1, iteration 1 (lr 0.05). Likely causes: the learning " +
        "rate is too high (lower it or add a warm-up), the network has no batch normalization, or the data " +
        "holds NaN/Inf values or is not normalized.",
    );
    expect(err).toMatchObject({ epoch: 1, iteration: 1 });
    expect(tf.memory().numTensors).toBe(before + o.model.weights.length);
  });

  it("a diverging lr is caught as well (no BN, huge lr)", async () => {
    const o = options({
      outDir: root,
      model: tinyNet({ bn: false }),
      recipe: recipe({ lr: 1e30, epochs: 5, normalize: "none", weightDecay: 0 }),
    });
    await expect(train(o)).rejects.toThrow(
      /^training diverged: the loss became (NaN|\+Infinity) at epoch \d+, iteration \d+ \(lr 1e\+30\)/,
    );
  });

  it("rejects a model that does not fit the data", async () => {
    await expect(train(options({ outDir: root, model: tinyNet({ classes: 3 }) }))).rejects.toThrow(
      `the model's "logits" layer has 3 outputs but the data "memory" has 4 classes`,
    );
    await expect(
      train(options({ outDir: root, model: tinyNet({ shape: [6, 6, 3] }) })),
    ).rejects.toThrow(
      `the model takes inputs of shape [6, 6, 3] but the data "memory" has examples of shape [8, 8, 3]`,
    );
  });
});
