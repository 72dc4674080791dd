// A training step's loss and gradients, computed in this thread alone or split over worker threads.
//
// Data parallel (workers > 1): the batch is cut into `workers` shares of nearly equal size; this
// thread computes the first, each worker thread one other, all with the same weights (sent with
// the share). The gradients and the loss are averaged weighted by share size, so the optimizer step
// sees the batch's mean gradient, as in one process. Batch normalization normalises each share with
// its own statistics (as data-parallel training on several GPUs does without synchronised batch
// norm); its moving averages are the share-weighted mean of the shares' updates, which is the
// moving average of the mean batch statistics.
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { Batch } from "../../data/types.js";
import { batchTensors } from "../evaluate.js";
import { movingState } from "../freeze.js";
import { lossAndGradients, type Gradients } from "../gradients.js";
import { WorkerFailure, WorkerPool } from "./pool.js";
import type { ResultMessage } from "./protocol.js";

export interface Stepper {
  /** 1 = this thread only. */
  readonly workers: number;
  /** Loss, errors and mean gradients of the batch; moving averages updated. Caller disposes grads. */
  run(batch: Batch): Promise<Gradients>;
  close(): Promise<void>;
}

/** Share sizes of n examples over k workers: as equal as possible, the larger ones first, no empty share. */
export function shares(n: number, k: number): number[] {
  const parts = Math.max(1, Math.min(k, n));
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < n % parts ? 1 : 0));
}

export function localStepper(
  logits: tfl.LayersModel,
  shape: [number, number, number],
  vars: tf.Variable[],
): Stepper {
  return {
    workers: 1,
    async run(batch) {
      const { x, y } = batchTensors(batch, shape);
      try {
        return await lossAndGradients(logits, x, y, vars);
      } finally {
        tf.dispose([x, y]);
      }
    },
    async close() {},
  };
}

export interface ParallelOptions {
  /** Threads in all, this one included (>= 2). */
  workers: number;
  /** The tfjs backend the workers use (the trainer's own). */
  backend: string;
  /** Modules that register the model's custom layer classes, imported by each worker. */
  layerModules: string[];
  /**
   * A worker that has not answered this many seconds (default 60), or ten times as long as this
   * thread took for its own share if that is longer, after this thread finished, is stopped and
   * the step fails: never a silent hang.
   */
  stallSeconds?: number;
}

/** `p`, or a WorkerFailure saying how long it waited when `ms` pass first. */
async function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WorkerFailure(
            `a worker thread gave no answer ${(ms / 1000).toFixed(1)} s after this thread finished ` +
              `the same work, and was stopped (stuck or out of memory?)`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function parallelStepper(
  model: tfl.LayersModel,
  logits: tfl.LayersModel,
  shape: [number, number, number],
  vars: tf.Variable[],
  opts: ParallelOptions,
): Promise<Stepper> {
  const ws = model.weights;
  const all = ws.map((w) => w.read() as tf.Variable);
  const state = movingState(model).map((w) => w.read() as tf.Variable);
  const nameOf = new Map(ws.map((w) => [(w.read() as tf.Variable).name, w.originalName]));
  const trainable = vars.map((v) => {
    const n = nameOf.get(v.name);
    if (n === undefined) throw new Error(`variable ${v.name} is not a weight of the model`);
    return n;
  });
  const pool = await WorkerPool.start(opts.workers - 1, {
    type: "init",
    backend: opts.backend,
    topology: model.toJSON(null, false),
    layerModules: opts.layerModules,
    weights: ws.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[] })),
    trainable,
  });
  let nextId = 0;
  const stallMs = (opts.stallSeconds ?? 60) * 1000;
  const local = localStepper(logits, shape, vars);
  const size = shape[0] * shape[1] * shape[2];

  return {
    workers: opts.workers,
    async run(batch) {
      const sizes = shares(batch.n, opts.workers);
      if (sizes.length === 1) return local.run(batch);
      if (batch.x.length < batch.n * size || batch.y.length < batch.n) {
        batchTensors(batch, shape); // throws the message that says what is wrong
      }
      // The weights every share is computed with: read before this thread's pass moves the moving averages.
      const weights = await Promise.all(
        all.map(async (v) => Float32Array.from((await v.data()) as Float32Array)),
      );
      const remote: Promise<ResultMessage>[] = [];
      let from = sizes[0]!;
      for (let i = 1; i < sizes.length; i++) {
        const n = sizes[i]!;
        const copy = i === sizes.length - 1 ? weights : weights.map((a) => a.slice());
        const x = batch.x.slice(from * size, (from + n) * size);
        const y = batch.y.slice(from, from + n);
        from += n;
        remote.push(
          pool.threads[i - 1]!.run({ type: "step", id: nextId++, weights: copy, x, y, n, shape }, [
            x.buffer as ArrayBuffer,
            y.buffer as ArrayBuffer,
            ...copy.map((a) => a.buffer as ArrayBuffer),
          ]),
        );
      }
      // Collect every worker's outcome even if one fails, so none is left running unobserved; a
      // worker that gives no answer long after this thread finished the same work is stuck.
      const settled = Promise.allSettled(remote);
      const started = performance.now();
      const collect = async () => {
        try {
          return await deadline(settled, Math.max(stallMs, 10 * (performance.now() - started)));
        } catch (err) {
          await pool.close(); // stops the stuck thread; later steps fail at once
          throw err;
        }
      };
      let mine: Gradients;
      try {
        const { x, y } = batchTensors({ ...batch, n: sizes[0]! }, shape);
        try {
          mine = await lossAndGradients(logits, x, y, vars);
        } finally {
          tf.dispose([x, y]);
        }
      } catch (err) {
        await collect().catch(() => {});
        throw err;
      }
      let outcomes: PromiseSettledResult<ResultMessage>[];
      try {
        outcomes = await collect();
      } catch (err) {
        tf.dispose(mine.grads);
        throw err;
      }
      const failed = outcomes.find((o) => o.status === "rejected");
      if (failed !== undefined) {
        tf.dispose(mine.grads);
        throw (failed as PromiseRejectedResult).reason;
      }
      const results = outcomes.map((o) => (o as PromiseFulfilledResult<ResultMessage>).value);
      const w = sizes.map((s) => s / batch.n);
      const grads = tf.tidy(() => {
        const out: tf.NamedTensorMap = {};
        vars.forEach((v, j) => {
          let g = tf.mul(mine.grads[v.name] ?? tf.zerosLike(v), w[0]!);
          results.forEach((r, i) => {
            g = tf.add(g, tf.mul(tf.tensor(r.grads[j]!, v.shape, "float32"), w[i + 1]!));
          });
          out[v.name] = g;
        });
        return out;
      });
      tf.dispose(mine.grads);
      tf.tidy(() => {
        state.forEach((v, j) => {
          let s = tf.mul(v, w[0]!);
          results.forEach((r, i) => {
            s = tf.add(s, tf.mul(tf.tensor(r.state[j]!, v.shape, "float32"), w[i + 1]!));
          });
          v.assign(s);
        });
      });
      return {
        loss: results.reduce((acc, r, i) => acc + r.loss * w[i + 1]!, mine.loss * w[0]!),
        errors: results.reduce((acc, r) => acc + r.errors, mine.errors),
        grads,
      };
    },
    close: () => pool.close(),
  };
}
