// Inference on every core: the batch cut into shares (stepper.ts's `shares`), this thread
// computing the first and each worker thread one other, with the same weights and the same
// compiled graph, the logits put back together in order. The worker threads are training's
// (runtime/train/parallel/worker.ts): the trainer's own for each epoch's test pass, or a pool
// started for `resnetc eval` and `resnetc predict`.
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { IrGraph } from "../../compiler/ir/types.js";
import { WorkerPool } from "../train/parallel/pool.js";
import type { LoadedMessage, LogitsMessage } from "../train/parallel/protocol.js";
import { shares } from "../train/parallel/stepper.js";
import type { Classifier } from "./classifier.js";

/** Every weight of the model, in model order: what a "load" message carries. */
export async function weightValues(model: tfl.LayersModel): Promise<Float32Array[]> {
  return Promise.all(
    model.weights.map(async (w) => Float32Array.from((await w.read().data()) as Float32Array)),
  );
}

/**
 * `local` (this thread's classifier) and the pool's threads, each loaded with `weights` (the
 * model's, model order) and compiling the same graph: one classifier over all of them.
 */
export async function parallelClassifier(
  local: Classifier,
  pool: WorkerPool,
  weights: Float32Array[],
): Promise<Classifier> {
  let nextId = 0;
  const loaded = await Promise.all(
    pool.threads.map((t, i) =>
      t.run<LoadedMessage>(
        { type: "load", id: nextId++, weights: i === 0 ? weights : weights.map((a) => a.slice()) },
        [],
      ),
    ),
  );
  const threads = pool.threads.length + 1;
  return {
    kind: `${local.kind} on ${threads} threads${loaded.some((l) => l.kind !== local.kind) ? " (workers: " + loaded[0]!.kind + ")" : ""}`,
    inputShape: local.inputShape,
    async logits(x) {
      const sizes = shares(x.shape[0], threads);
      if (sizes.length === 1) return local.logits(x);
      const size = x.size / x.shape[0];
      const all = (await x.data()) as Float32Array;
      let from = sizes[0]!;
      const remote = sizes.slice(1).map((n, i) => {
        const part = all.slice(from * size, (from + n) * size);
        from += n;
        return pool.threads[i]!.run<LogitsMessage>(
          { type: "infer", id: nextId++, x: part, n, shape: local.inputShape },
          [part.buffer as ArrayBuffer],
        );
      });
      const answers = Promise.allSettled(remote); // observed even if this thread's share fails
      const mineX = tf.slice(x, 0, sizes[0]!);
      let mine: tf.Tensor2D;
      try {
        mine = await local.logits(mineX);
      } catch (err) {
        await answers;
        throw err;
      } finally {
        mineX.dispose();
      }
      const settled = await answers;
      const failed = settled.find((a) => a.status === "rejected");
      if (failed) {
        mine.dispose();
        throw (failed as PromiseRejectedResult).reason;
      }
      return tf.tidy(() =>
        tf.concat([
          mine,
          ...settled.map((a) => {
            const m = (a as PromiseFulfilledResult<LogitsMessage>).value;
            return tf.tensor2d(m.logits, [m.logits.length / m.classes, m.classes]);
          }),
        ]),
      ) as tf.Tensor2D;
    },
    dispose: () => local.dispose(),
  };
}

/**
 * A pool of `workers - 1` threads holding `model` (built from its JSON, as training's workers do)
 * and `graph` (null: they run the layers model), for eval and predict.
 */
export async function inferencePool(
  model: tfl.LayersModel,
  graph: IrGraph | null,
  opts: { workers: number; backend: string; layerModules: string[] },
): Promise<WorkerPool> {
  return WorkerPool.start(opts.workers - 1, {
    type: "init",
    backend: opts.backend,
    topology: model.toJSON(null, false),
    layerModules: opts.layerModules,
    weights: model.weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[] })),
    trainable: [],
    graph: graph === null ? null : { ...graph, weights: new Map() },
  });
}
