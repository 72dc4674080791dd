// Training in the page: the same step as `resnetc train` (runtime/train: softmax cross-entropy on
// the "logits" layer, SGD with momentum and weight decay on kernels, the spec's schedule and
// warm-up, augmentation and per-pixel mean), on the MNIST digits the local server sends.
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { arraySplit, type ArrayData } from "../../runtime/data/array-split.js";
import type { DataSplit } from "../../runtime/data/types.js";
import { Rng } from "../../runtime/rng.js";
import { batchTensors, evaluateSplit, logitsModel } from "../../runtime/train/evaluate.js";
import { layersForward, lossAndGradients } from "../../runtime/train/gradients.js";
import { SgdMomentum, isDecayedWeight } from "../../runtime/train/optimizer.js";
import { LrSchedule } from "../../runtime/train/schedule.js";
import type { TrainRecipe } from "./compiler.js";

export const MNIST_SHAPE: [number, number, number] = [28, 28, 1];
export const MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Parses the server's /data/mnist-*.bin: [n: uint32 LE][n x 784 pixels][n labels]. */
export function parseMnist(buf: ArrayBuffer): ArrayData {
  const n = new DataView(buf).getUint32(0, true);
  const size = 28 * 28;
  const pixels = new Uint8Array(buf, 4, n * size);
  const labels = Int32Array.from(new Uint8Array(buf, 4 + n * size, n));
  return { pixels, labels, shape: MNIST_SHAPE };
}

async function fetchSplit(name: "train" | "test"): Promise<DataSplit> {
  const res = await fetch(`data/mnist-${name}.bin`);
  if (!res.ok) throw new Error(`the server sent no MNIST ${name} digits (HTTP ${res.status})`);
  return arraySplit(parseMnist(await res.arrayBuffer()), "mnist");
}

let mnist: Promise<{ train: DataSplit; test: DataSplit }> | null = null;

/** The bundled digits, fetched once. */
export function loadMnist(): Promise<{ train: DataSplit; test: DataSplit }> {
  mnist ??= Promise.all([fetchSplit("train"), fetchSplit("test")]).then(([train, test]) => ({
    train,
    test,
  }));
  mnist.catch(() => (mnist = null));
  return mnist;
}

export interface StepEvent {
  iteration: number;
  total: number;
  epoch: number;
  loss: number;
  /** Training error of this batch (0..1). */
  error: number;
  /** Images per second since the first step (which compiles the kernels) ended. */
  imagesPerSecond: number | null;
}

export interface EpochEvent {
  epoch: number;
  /** The iteration that ended it. */
  iteration: number;
  trainLoss: number;
  trainError: number;
  testError: number | null;
}

export interface TrainSettings {
  recipe: TrainRecipe;
  batchSize: number;
  lr: number;
  epochs: number;
  /** Stop after this many iterations, or null for whole epochs. */
  iterations: number | null;
  seed: number;
  onStep(e: StepEvent): void;
  onEpoch(e: EpochEvent): void;
  shouldStop(): boolean;
}

export interface Trained {
  iterations: number;
  stopped: boolean;
  imagesPerSecond: number | null;
  mean: Float32Array | null;
}

/** Trains `model` in place on MNIST with the settings; never throws on Stop. */
export async function trainMnist(model: tfl.LayersModel, s: TrainSettings): Promise<Trained> {
  const { train, test } = await loadMnist();
  const sub = logitsModel(model);
  if (sub === null) throw new Error('the model has no layer named "logits"');
  const mean = s.recipe.normalize === "per_pixel_mean" ? await train.mean() : null;
  const weights = model.weights.filter((w) => w.trainable);
  const optimizer = new SgdMomentum(
    weights.map((w) => ({
      key: w.name,
      variable: w.read() as tf.Variable,
      decay: isDecayedWeight(w.originalName),
    })),
    {
      lr: s.lr,
      momentum: s.recipe.momentum,
      weightDecay: s.recipe.weightDecay,
      nesterov: s.recipe.nesterov,
    },
  );
  const perEpoch = Math.ceil(train.size / s.batchSize);
  const total = Math.min(s.epochs * perEpoch, s.iterations ?? s.recipe.stopIteration ?? Infinity);
  const rng = new Rng(s.seed);
  const recipe = { ...s.recipe, lr: s.lr };
  const schedule = new LrSchedule(recipe, perEpoch);
  let iteration = 0;
  let timed = 0;
  let started = 0;
  let stopped = false;
  for (let epoch = 1; iteration < total && !stopped; epoch++) {
    let lossSum = 0;
    let errors = 0;
    let seen = 0;
    const batches = train.batches({
      batchSize: s.batchSize,
      shuffle: true,
      augment: recipe.augment,
      rng,
      mean,
    });
    for await (const batch of batches) {
      if (iteration >= total || (stopped = s.shouldStop())) break;
      const { x, y } = batchTensors(batch, MNIST_SHAPE);
      try {
        const r = await lossAndGradients(layersForward(sub), x, y, optimizer.variables());
        if (!Number.isFinite(r.loss)) {
          tf.dispose(r.grads);
          throw new Error(
            `the loss diverged (${r.loss}) at iteration ${iteration + 1}: lower the learning rate ` +
              `(lr ${optimizer.lr} with batch ${s.batchSize})`,
          );
        }
        optimizer.lr = schedule.lrAt(iteration);
        optimizer.step(r.grads);
        schedule.observe(iteration, r.errors / batch.n);
        tf.dispose(r.grads);
        lossSum += r.loss * batch.n;
        errors += r.errors;
        seen += batch.n;
        iteration++;
        if (iteration === 1) started = performance.now();
        else timed += batch.n;
        const secs = (performance.now() - started) / 1000;
        s.onStep({
          iteration,
          total,
          epoch,
          loss: r.loss,
          error: r.errors / batch.n,
          imagesPerSecond: timed > 0 && secs > 0 ? timed / secs : null,
        });
      } finally {
        x.dispose();
        y.dispose();
      }
      await tf.nextFrame();
    }
    if (seen === 0) break;
    const whole = seen >= train.size;
    const ev = whole
      ? await evaluateSplit(model, test, { batchSize: 100, mean, shouldStop: s.shouldStop })
      : null;
    s.onEpoch({
      epoch,
      iteration,
      trainLoss: lossSum / seen,
      trainError: errors / seen,
      testError: ev?.top1Error ?? null,
    });
  }
  const secs = (performance.now() - started) / 1000;
  return {
    iterations: iteration,
    stopped,
    imagesPerSecond: timed > 0 && secs > 0 ? timed / secs : null,
    mean,
  };
}
