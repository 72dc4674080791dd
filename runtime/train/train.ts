// The training loop: SGD with momentum on a compiled tfjs-layers model, per-epoch evaluation, metrics,
// checkpoints every epoch, resume, Ctrl-C (checkpoint and stop), and the final model directory.
//
// The model's output is softmax probabilities; the loss is computed from the layer named "logits" through a
// sub-model that shares the weights, run with `training: true` so that batch normalization uses the batch
// statistics and updates its moving mean and variance (tfjs-layers does that in training mode).
import * as fsp from "node:fs/promises";
import * as path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { TrainRecipe } from "../../compiler/recipe.js";
import type { Batch, DataSource } from "../data/types.js";
import {
  type Checkpoint,
  type NamedArray,
  type PartialEpoch,
  checkpointDir,
  hasCheckpoint,
  loadCheckpoint,
  removeCheckpoint,
  saveCheckpoint,
} from "../io/checkpoint.js";
import { MEAN_FILE, writeMean } from "../io/mean.js";
import { saveLayersModel } from "../io/model-io.js";
import { Rng } from "../rng.js";
import { TrainError } from "./errors.js";
import type { IrGraph } from "../../compiler/ir/types.js";
import { compiledClassifier, layersClassifier } from "../infer/classifier.js";
import { parallelClassifier, weightValues } from "../infer/parallel.js";
import { LOGITS_LAYER, evaluateSplit, logitsModel, modelInputShape } from "./evaluate.js";
import { executorForward } from "./executor.js";
import { layersForward } from "./gradients.js";
import {
  type EpochMetrics,
  METRICS_FILE,
  appendMetrics,
  formatEpochLine,
  truncateMetrics,
} from "./metrics.js";
import { SgdMomentum, isDecayedWeight } from "./optimizer.js";
import type { Gradients } from "./gradients.js";
import { WorkerFailure } from "./parallel/pool.js";
import {
  type ParallelOptions,
  type Stepper,
  localStepper,
  parallelStepper,
} from "./parallel/stepper.js";
import { applyFrozen } from "./freeze.js";
import { NO_PROGRESS, type ProgressReporter } from "./progress.js";
import { LrSchedule } from "./schedule.js";

export const MODEL_DIR = "model";

export interface TrainOptions {
  model: tfl.LayersModel;
  /**
   * The graph `model` was lowered from. With it, training runs through the compiler's executor
   * (batch norm + add + ReLU fused, the same variables) and each epoch's test pass runs the
   * compiled inference graph (batch norm folded, epilogues fused); without it, the layers model.
   */
  graph?: IrGraph;
  data: DataSource;
  recipe: TrainRecipe;
  /** Run directory: metrics.jsonl, mean.json, checkpoint/, model/. Created if missing. */
  outDir: string;
  /** Seeds the data order and augmentation (the model's initial weights are the compiler's business). */
  seed: number;
  /** Continue from outDir/checkpoint/ instead of starting over. */
  resume: boolean;
  log: (line: string) => void;
  /** Shows progress within an epoch (default: nothing). */
  progress?: ProgressReporter;
  /** Aborting it stops training like Ctrl-C: checkpoint, then resolve with interrupted: true. */
  signal?: AbortSignal;
  /** Called after each epoch (after its checkpoint is written). */
  onEpoch?: (m: EpochMetrics) => void;
  /** Extra files written beside the final model, file name -> content (e.g. the spec text). */
  extraModelFiles?: Record<string, string>;
  /** Shown in the interruption message, e.g. "resnetc train net.resnet --out runs/a --resume". */
  resumeCommand?: string;
  /**
   * Data-parallel training over worker threads (see ./parallel/stepper.ts); absent or workers 1 =
   * this thread only. The result then depends on the number of workers (batch norm per share).
   */
  parallel?: ParallelOptions;
  /** Decides which weights get weight decay (default: kernels only, see isDecayedWeight). */
  decay?: (weightName: string) => boolean;
}

export interface TrainResult {
  /** Stopped by the abort signal (the CLI aborts it on Ctrl-C); a checkpoint was written. */
  interrupted: boolean;
  /** Completed epochs. */
  epochs: number;
  /** Optimizer steps done. */
  iteration: number;
  /** Metrics of all completed epochs of the run (including those before a resume). */
  metrics: EpochMetrics[];
  /** The last epoch's metrics, or null. */
  final: EpochMetrics | null;
  /** outDir/model when the final model was saved (not when interrupted). */
  modelDir: string | null;
  /** outDir/checkpoint. */
  checkpointDir: string;
}

interface WeightEntry {
  key: string;
  variable: tf.Variable;
  trainable: boolean;
}

/** The model's weights (trainable and not), keyed by their original names ("layer/weight"), in model order. */
export function modelWeightEntries(model: tfl.LayersModel): WeightEntry[] {
  const ws = model.weights;
  const names = ws.map((w) => w.originalName);
  const unique = new Set(names).size === names.length;
  return ws.map((w) => ({
    key: unique ? w.originalName : w.name,
    variable: w.read() as tf.Variable,
    trainable: w.trainable,
  }));
}

/**
 * Maps checkpoint tensor names to model weight keys: by name when the checkpoint has exactly the model's
 * names; otherwise by position when the shapes agree in order (the same network built again in a process
 * where the automatic layer names came out differently). Throws when neither fits.
 */
export function matchWeights(
  saved: readonly { name: string; shape: readonly number[] }[],
  model: readonly { key: string; shape: readonly number[] }[],
  where: string,
): Map<string, string> {
  const sameShape = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((d, i) => d === b[i]);
  const byName = new Map(saved.map((s) => [s.name, s]));
  if (saved.length === model.length && model.every((m) => byName.has(m.key))) {
    for (const m of model) {
      const s = byName.get(m.key)!;
      if (!sameShape(s.shape, m.shape)) {
        throw new TrainError(
          `the checkpoint ${where} does not fit this model: weight "${m.key}" has shape [${s.shape.join(", ")}] ` +
            `in the checkpoint and [${m.shape.join(", ")}] in the model`,
        );
      }
    }
    return new Map(model.map((m) => [m.key, m.key]));
  }
  if (saved.length === model.length && saved.every((s, i) => sameShape(s.shape, model[i]!.shape))) {
    return new Map(saved.map((s, i) => [s.name, model[i]!.key]));
  }
  throw new TrainError(
    `the checkpoint ${where} does not fit this model: it holds ${saved.length} weights ` +
      `(${saved
        .slice(0, 3)
        .map((s) => s.name)
        .join(", ")}${saved.length > 3 ? ", ..." : ""}), ` +
      `the model has ${model.length} (${model
        .slice(0, 3)
        .map((m) => m.key)
        .join(", ")}${model.length > 3 ? ", ..." : ""})`,
  );
}

function emptyPartial(): PartialEpoch {
  return { lossSum: 0, errors: 0, images: 0, trainSeconds: 0, seconds: 0, lr: 0 };
}

function divergedMessage(
  loss: number,
  epoch: number,
  iteration: number,
  lr: number,
  ckpt: string | null,
): string {
  return (
    `training diverged: the loss became ${Number.isNaN(loss) ? "NaN" : loss > 0 ? "+Infinity" : "-Infinity"} ` +
    `at epoch ${epoch}, iteration ${iteration} (lr ${lr}). Likely causes: the learning rate is too high ` +
    `(lower it or add a warm-up), the network has no batch normalization, or the data holds NaN/Inf values ` +
    `or is not normalized.` +
    (ckpt === null ? "" : ` The last good checkpoint is ${ckpt}.`)
  );
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { model, data, recipe, outDir, log } = opts;
  const signal = opts.signal;

  // ---- Check that the model, the data and the recipe fit together. ----
  if (recipe.optimizer !== "sgd")
    throw new TrainError(`unsupported optimizer "${String(recipe.optimizer)}"`);
  if (!Number.isInteger(recipe.batchSize) || recipe.batchSize <= 0) {
    throw new TrainError(`the batch size must be a positive integer, not ${recipe.batchSize}`);
  }
  if (!(recipe.lr > 0))
    throw new TrainError(`the learning rate must be positive, not ${recipe.lr}`);
  if (data.train.size <= 0) throw new TrainError(`the training data "${data.name}" is empty`);
  let inShape: [number, number, number];
  try {
    inShape = modelInputShape(model);
  } catch (err) {
    throw new TrainError((err as Error).message);
  }
  if (inShape.some((d, i) => d !== data.shape[i])) {
    throw new TrainError(
      `the model takes inputs of shape [${inShape.join(", ")}] but the data "${data.name}" has examples of ` +
        `shape [${data.shape.join(", ")}]`,
    );
  }
  applyFrozen(model);
  const sub = logitsModel(model);
  if (sub === null) {
    throw new TrainError(
      `the model has no layer named "${LOGITS_LAYER}" (the pre-softmax output the loss is computed from)`,
    );
  }
  const numClasses = sub.outputs[0]!.shape[sub.outputs[0]!.shape.length - 1];
  if (numClasses !== data.classes.length) {
    throw new TrainError(
      `the model's "${LOGITS_LAYER}" layer has ${String(numClasses)} outputs but the data "${data.name}" has ` +
        `${data.classes.length} classes`,
    );
  }

  await fsp.mkdir(outDir, { recursive: true });
  const ckptDir = checkpointDir(outDir);
  const metricsFile = path.join(outDir, METRICS_FILE);
  const itersPerEpoch = Math.ceil(data.train.size / recipe.batchSize);
  const weights = modelWeightEntries(model);
  const decay = opts.decay ?? isDecayedWeight;
  const optimizer = new SgdMomentum(
    weights
      .filter((w) => w.trainable)
      .map((w) => ({ key: w.key, variable: w.variable, decay: decay(w.key) })),
    {
      lr: recipe.lr,
      momentum: recipe.momentum,
      weightDecay: recipe.weightDecay,
      nesterov: recipe.nesterov,
    },
  );
  const schedule = new LrSchedule(recipe, itersPerEpoch);
  const master = new Rng(opts.seed);

  const stopRequested = () => signal?.aborted ?? false;
  let stepper: Stepper | null = null;

  try {
    // ---- Start or resume. ----
    let epoch = 0;
    let batchInEpoch = 0;
    let iteration = 0;
    let partial = emptyPartial();
    let mean: Float32Array | null = null;
    let metrics: EpochMetrics[] = [];
    let lastCheckpoint: string | null = null;

    if (opts.resume) {
      const ckpt = await loadCheckpoint(ckptDir);
      lastCheckpoint = path.join(ckptDir, "checkpoint.json");
      if (
        ckpt.data.shape.some((d, i) => d !== data.shape[i]) ||
        ckpt.data.classes !== data.classes.length
      ) {
        throw new TrainError(
          `the checkpoint ${lastCheckpoint} was made with data of shape [${ckpt.data.shape.join(", ")}] and ` +
            `${ckpt.data.classes} classes; "${data.name}" has [${data.shape.join(", ")}] and ${data.classes.length}`,
        );
      }
      if (ckpt.data.trainSize !== data.train.size) {
        log(
          `warning: the checkpoint was made with ${ckpt.data.trainSize} training examples, the data now has ` +
            `${data.train.size}; the resumed run will not match an uninterrupted one`,
        );
      }
      restoreWeights(weights, ckpt.weights, lastCheckpoint);
      const rename = matchWeights(
        ckpt.velocities,
        weights.filter((w) => w.trainable).map((w) => ({ key: w.key, shape: w.variable.shape })),
        lastCheckpoint,
      );
      optimizer.setState(ckpt.velocities, (n) => rename.get(n) ?? n);
      schedule.setState(ckpt.warmup);
      master.setState(ckpt.rng);
      epoch = ckpt.epoch;
      batchInEpoch = ckpt.batchInEpoch;
      iteration = ckpt.iteration;
      partial = { ...ckpt.partial };
      mean = ckpt.mean === null ? null : ckpt.mean.values;
      if (ckpt.seed !== opts.seed)
        log(`note: resuming a run started with seed ${ckpt.seed}; its generator state is used`);
      metrics = await truncateMetrics(metricsFile, epoch);
      log(
        `Resuming from ${lastCheckpoint}: epoch ${epoch + 1}` +
          (batchInEpoch > 0 ? ` (from batch ${batchInEpoch + 1} of ${itersPerEpoch})` : "") +
          `, iteration ${iteration}`,
      );
    } else {
      if (await hasCheckpoint(ckptDir))
        log(`Starting a new run: removing the old checkpoint in ${ckptDir}`);
      await removeCheckpoint(ckptDir);
      await fsp.writeFile(metricsFile, "");
      if (recipe.normalize === "per_pixel_mean") {
        mean = await data.train.mean();
        const size = data.shape[0] * data.shape[1] * data.shape[2];
        if (mean.length !== size) {
          throw new TrainError(
            `the training set's mean has ${mean.length} values, expected ${size}`,
          );
        }
        await writeMean(path.join(outDir, MEAN_FILE), mean, data.shape);
      }
    }

    const checkpoint = async (state: {
      epoch: number;
      batchInEpoch: number;
      rng: ReturnType<Rng["getState"]>;
    }) => {
      const ck: Checkpoint = {
        epoch: state.epoch,
        batchInEpoch: state.batchInEpoch,
        iteration,
        seed: opts.seed,
        rng: state.rng,
        warmup: schedule.getState(),
        partial: { ...partial },
        recipe,
        data: {
          name: data.name,
          shape: [...data.shape],
          classes: data.classes.length,
          trainSize: data.train.size,
        },
        weights: await Promise.all(weights.map((w) => toNamedArray(w.key, w.variable))),
        velocities: await optimizer.getState(),
        mean: mean === null ? null : { name: "mean", shape: [...data.shape], values: mean },
      };
      lastCheckpoint = await saveCheckpoint(ckptDir, ck);
      return lastCheckpoint;
    };

    const progress = opts.progress ?? NO_PROGRESS;
    const reachedStop = () => recipe.stopIteration !== null && iteration >= recipe.stopIteration;
    const trainVars = optimizer.variables();
    const forward = opts.graph ? executorForward(opts.graph, model) : layersForward(sub);
    const workers = opts.parallel?.workers ?? 1;
    if (workers > 1) {
      try {
        stepper = await parallelStepper(model, forward, inShape, trainVars, {
          ...opts.parallel!,
          graph: opts.graph,
        });
      } catch (err) {
        throw new TrainError(
          `could not start ${workers - 1} training worker thread${workers > 2 ? "s" : ""}: ${(err as Error).message}` +
            ` (train on one thread with --workers 1)`,
        );
      }
    } else stepper = localStepper(forward, inShape, trainVars);

    /** One optimizer step; returns the batch's mean loss and number of errors. */
    const step = async (
      batch: Batch,
      lr: number,
      epochNo: number,
    ): Promise<{ loss: number; errors: number }> => {
      let result: Gradients;
      try {
        result = await stepper!.run(batch);
      } catch (err) {
        if (!(err instanceof WorkerFailure)) throw err;
        throw new TrainError(
          `${err.message}, at epoch ${epochNo}, iteration ${iteration + 1}` +
            (lastCheckpoint === null ? "" : `; the last good checkpoint is ${lastCheckpoint}`) +
            ` (--workers 1 trains without worker threads)`,
          epochNo,
          iteration + 1,
        );
      }
      const { loss, errors, grads } = result;
      try {
        if (!Number.isFinite(loss)) {
          throw new TrainError(
            divergedMessage(loss, epochNo, iteration + 1, lr, lastCheckpoint),
            epochNo,
            iteration + 1,
          );
        }
        optimizer.lr = lr;
        optimizer.step(grads);
        return { loss, errors };
      } finally {
        tf.dispose(grads);
      }
    };

    let interrupted = false;
    let rngAtEpochStart = master.getState();
    while (epoch < recipe.epochs && !reachedStop() && !stopRequested()) {
      const epochNo = epoch + 1;
      rngAtEpochStart = master.getState();
      const epochRng = master.fork();
      const notes: string[] = [];
      const t0 = performance.now();
      progress.startEpoch(epochNo, recipe.epochs, itersPerEpoch, batchInEpoch);
      const batches = data.train.batches({
        batchSize: recipe.batchSize,
        shuffle: true,
        augment: recipe.augment,
        rng: epochRng,
        mean,
        ...(batchInEpoch > 0 ? { skipBatches: batchInEpoch } : {}),
      });
      let last = performance.now();
      try {
        for await (const batch of batches) {
          if (stopRequested()) {
            interrupted = true;
            break;
          }
          if (reachedStop()) break;
          if (batch.n === 0) continue;
          const lr = schedule.lrAt(iteration);
          const r = await step(batch, lr, epochNo);
          iteration++;
          batchInEpoch++;
          partial.lossSum += r.loss * batch.n;
          partial.errors += r.errors;
          partial.images += batch.n;
          partial.lr = lr;
          const note = schedule.observe(iteration - 1, r.errors / batch.n);
          if (note !== null) notes.push(note);
          const now = performance.now();
          partial.trainSeconds += (now - last) / 1000;
          last = now;
          progress.update({
            batch: batchInEpoch,
            loss: partial.lossSum / partial.images,
            accuracy: 1 - partial.errors / partial.images,
            imagesPerSec: partial.trainSeconds > 0 ? partial.images / partial.trainSeconds : 0,
          });
          if (stopRequested()) {
            interrupted = true;
            break;
          }
        }
      } finally {
        progress.endEpoch();
        for (const n of notes) log(n);
      }
      partial.seconds += (performance.now() - t0) / 1000;
      if (interrupted) break;

      const t1 = performance.now();
      const local = opts.graph
        ? await compiledClassifier(opts.graph, model)
        : layersClassifier(model);
      const pool = stepper.pool;
      const net = pool ? await parallelClassifier(local, pool, await weightValues(model)) : local;
      const res = await evaluateSplit(net, data.test, {
        batchSize: recipe.batchSize,
        mean,
        shouldStop: stopRequested,
      }).finally(() => net.dispose());
      if (res === null) {
        interrupted = true;
        break;
      }
      const m: EpochMetrics = {
        epoch: epochNo,
        iteration,
        lr: partial.lr,
        trainLoss: partial.images > 0 ? partial.lossSum / partial.images : NaN,
        trainError: partial.images > 0 ? partial.errors / partial.images : NaN,
        testLoss: res.loss,
        testTop1Error: res.top1Error,
        testTop5Error: res.top5Error,
        imagesPerSec: partial.trainSeconds > 0 ? partial.images / partial.trainSeconds : 0,
        seconds: partial.seconds + (performance.now() - t1) / 1000,
      };
      await appendMetrics(metricsFile, m);
      metrics.push(m);
      log(formatEpochLine(m, recipe.epochs));
      epoch++;
      batchInEpoch = 0;
      partial = emptyPartial();
      await checkpoint({ epoch, batchInEpoch: 0, rng: master.getState() });
      opts.onEpoch?.(m);
    }

    if (interrupted || (stopRequested() && epoch < recipe.epochs && !reachedStop())) {
      // Stopped inside an epoch: resume from the generator state at its start and skip the batches done.
      // Stopped between epochs: the generator has not been forked for the next epoch yet.
      const at = interrupted
        ? { epoch, batchInEpoch, rng: rngAtEpochStart }
        : { epoch, batchInEpoch: 0, rng: master.getState() };
      const file = await checkpoint(at);
      const where =
        batchInEpoch > 0
          ? `epoch ${epoch + 1} (after batch ${batchInEpoch} of ${itersPerEpoch}), iteration ${iteration}`
          : `the end of epoch ${epoch}, iteration ${iteration}`;
      log(`Interrupted at ${where}. Checkpoint written to ${file}.`);
      log(
        opts.resumeCommand !== undefined
          ? `To resume: ${opts.resumeCommand}`
          : `To resume, run the same command again with --resume.`,
      );
      return {
        interrupted: true,
        epochs: epoch,
        iteration,
        metrics,
        final: metrics.at(-1) ?? null,
        modelDir: null,
        checkpointDir: ckptDir,
      };
    }

    const modelDir = path.join(outDir, MODEL_DIR);
    await saveLayersModel(model, modelDir, {
      files: opts.extraModelFiles ?? {},
      mean: mean === null ? null : { values: mean, shape: data.shape },
    });
    log(`Saved the model to ${modelDir}`);
    return {
      interrupted: false,
      epochs: epoch,
      iteration,
      metrics,
      final: metrics.at(-1) ?? null,
      modelDir,
      checkpointDir: ckptDir,
    };
  } finally {
    await stepper?.close();
    optimizer.dispose();
  }
}

async function toNamedArray(name: string, v: tf.Variable): Promise<NamedArray> {
  return {
    name,
    shape: [...v.shape],
    values: Float32Array.from((await v.data()) as ArrayLike<number>),
  };
}

function restoreWeights(weights: WeightEntry[], saved: NamedArray[], where: string): void {
  const map = matchWeights(
    saved,
    weights.map((w) => ({ key: w.key, shape: w.variable.shape })),
    where,
  );
  const byKey = new Map(weights.map((w) => [w.key, w]));
  for (const s of saved) {
    const w = byKey.get(map.get(s.name)!)!;
    tf.tidy(() => w.variable.assign(tf.tensor(s.values, w.variable.shape, w.variable.dtype)));
  }
}
