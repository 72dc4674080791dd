// Evaluation and prediction with a trained model (BN in inference mode): what the training loop uses after
// each epoch and what `resnetc eval` / `resnetc predict` call.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import type { Batch, DataSplit } from "../data/types.js";
import { Rng } from "../rng.js";
import { type Classifier, layersClassifier } from "../infer/classifier.js";
import { LOGITS_LAYER, logitsModel, modelInputShape } from "../infer/layers-model.js";
import { countTopKErrors, softmaxCrossEntropy } from "./loss.js";

export { LOGITS_LAYER, logitsModel, modelInputShape };

function asClassifier(m: tfl.LayersModel | Classifier): Classifier {
  return "logits" in m && typeof m.logits === "function"
    ? m
    : layersClassifier(m as tfl.LayersModel);
}

export interface EvalOptions {
  batchSize: number;
  /** Per-pixel mean the loader subtracts (the one stored with the model), or null. */
  mean: Float32Array | null;
}

export interface EvalResult {
  /** Fraction of examples whose top class is wrong. */
  top1Error: number;
  /** Fraction whose label is not among the 5 top classes; null with fewer than 5 classes. */
  top5Error: number | null;
  /** Mean softmax cross-entropy. */
  loss: number;
  /** Number of examples evaluated. */
  n: number;
}

export interface Prediction {
  /** The most probable class id. */
  label: number;
  /** Softmax probabilities, one per class. */
  probabilities: Float32Array;
  /** The `topK` most probable classes, most probable first. */
  top: { label: number; probability: number }[];
}

/** The batch as tensors: x [n, h, w, c] float32, y [n] int32. */
export function batchTensors(
  batch: Batch,
  shape: readonly number[],
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const size = shape[0]! * shape[1]! * shape[2]!;
  if (batch.x.length < batch.n * size || batch.y.length < batch.n) {
    throw new Error(
      `a batch of ${batch.n} examples has ${batch.x.length} pixel values and ${batch.y.length} labels; ` +
        `expected ${batch.n * size} and ${batch.n} for examples of shape [${shape.join(", ")}]`,
    );
  }
  const x = tf.tensor4d(batch.x.subarray(0, batch.n * size), [
    batch.n,
    shape[0]!,
    shape[1]!,
    shape[2]!,
  ]);
  const y = tf.tensor1d(batch.y.subarray(0, batch.n), "int32");
  return { x, y };
}

/**
 * Evaluates `model` on a split: top-1/top-5 error and mean loss. Used by the training loop (with
 * `shouldStop`, polled between batches: then it returns null) and by `resnetc eval`.
 */
export async function evaluateSplit(
  model: tfl.LayersModel | Classifier,
  split: DataSplit,
  opts: EvalOptions & { shouldStop?: () => boolean },
): Promise<EvalResult | null> {
  const net = asClassifier(model);
  const shape = net.inputShape;
  let n = 0;
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  let classes = 0;
  const batches = split.batches({
    batchSize: opts.batchSize,
    shuffle: false,
    augment: null,
    rng: new Rng(0),
    mean: opts.mean,
  });
  for await (const batch of batches) {
    if (opts.shouldStop?.()) return null;
    if (batch.n === 0) continue;
    const { x, y } = batchTensors(batch, shape);
    try {
      const logits = await net.logits(x);
      try {
        classes = logits.shape[1]!;
        const loss = softmaxCrossEntropy(logits, y);
        lossSum += ((await loss.data())[0] as number) * batch.n;
        loss.dispose();
        top1 += await countTopKErrors(logits, y, 1);
        if (classes >= 5) top5 += await countTopKErrors(logits, y, 5);
      } finally {
        logits.dispose();
      }
    } finally {
      x.dispose();
      y.dispose();
    }
    n += batch.n;
  }
  if (opts.shouldStop?.()) return null;
  return {
    top1Error: n === 0 ? NaN : top1 / n,
    top5Error: classes < 5 ? null : n === 0 ? NaN : top5 / n,
    loss: n === 0 ? NaN : lossSum / n,
    n,
  };
}

/** Evaluates `model` (BN in inference mode) on every example of `split`. */
export async function evaluate(
  model: tfl.LayersModel | Classifier,
  split: DataSplit,
  opts: EvalOptions,
): Promise<EvalResult> {
  return (await evaluateSplit(model, split, opts))!;
}

/**
 * Class probabilities for raw images (NHWC float32, in the loader's scale, mean not yet subtracted: it is
 * subtracted here when given). `images` holds n * h * w * c values.
 */
export async function predict(
  model: tfl.LayersModel | Classifier,
  images: Float32Array,
  opts: { mean?: Float32Array | null; batchSize?: number; topK?: number } = {},
): Promise<Prediction[]> {
  const net = asClassifier(model);
  const shape = net.inputShape;
  const size = shape[0] * shape[1] * shape[2];
  if (images.length % size !== 0) {
    throw new Error(
      `predict: ${images.length} values is not a whole number of [${shape.join(", ")}] images`,
    );
  }
  const mean = opts.mean ?? null;
  if (mean !== null && mean.length !== size) {
    throw new Error(
      `predict: the mean has ${mean.length} values; images of shape [${shape.join(", ")}] need ${size}`,
    );
  }
  const n = images.length / size;
  const batchSize = Math.max(1, opts.batchSize ?? 64);
  const out: Prediction[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const x = tf.tidy(() => {
      const raw = tf.tensor4d(images.subarray(start * size, (start + m) * size), [m, ...shape]);
      return mean === null ? raw : tf.sub<tf.Tensor4D>(raw, tf.tensor3d(mean, shape));
    });
    const logits = await net.logits(x).finally(() => x.dispose());
    const probs = tf.softmax(logits);
    logits.dispose();
    const values = (await probs.data()) as Float32Array;
    const k = probs.shape[1]!;
    probs.dispose();
    const topK = Math.min(k, Math.max(1, opts.topK ?? 5));
    for (let i = 0; i < m; i++) {
      const p = Float32Array.from(values.subarray(i * k, (i + 1) * k));
      const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
      out.push({
        label: order[0]!,
        probabilities: p,
        top: order.slice(0, topK).map((c) => ({ label: c, probability: p[c]! })),
      });
    }
  }
  return out;
}
