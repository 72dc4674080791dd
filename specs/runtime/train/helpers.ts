// Shared by the training and I/O specs: the cpu backend, a tiny residual network with deterministic
// weights, and a small in-memory DataSource.
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { DEFAULT_RECIPE, type TrainRecipe } from "../../../compiler/recipe.js";
import type { Batch, BatchOptions, DataSource, DataSplit } from "../../../runtime/data/types.js";
import { Rng } from "../../../runtime/rng.js";

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/**
 * conv(3x3)-BN-relu -> residual block (conv-BN-relu-conv-BN + identity, relu) -> global average pool ->
 * dense "logits" -> softmax. Weights drawn from Rng(seed), so the same seed gives the same network in
 * any process.
 */
export function tinyNet(
  opts: {
    shape?: [number, number, number];
    classes?: number;
    filters?: number;
    seed?: number;
    bn?: boolean;
  } = {},
): tfl.LayersModel {
  const shape = opts.shape ?? [8, 8, 3];
  const classes = opts.classes ?? 4;
  const f = opts.filters ?? 8;
  const bn = opts.bn ?? true;
  const input = tfl.input({ shape });
  const conv = (name: string, x: tfl.SymbolicTensor) =>
    tfl.layers
      .conv2d({ name, filters: f, kernelSize: 3, padding: "same", useBias: !bn })
      .apply(x) as tfl.SymbolicTensor;
  const norm = (name: string, x: tfl.SymbolicTensor) =>
    bn
      ? (tfl.layers.batchNormalization({ name, momentum: 0.9 }).apply(x) as tfl.SymbolicTensor)
      : x;
  const relu = (x: tfl.SymbolicTensor) => tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
  let x = relu(norm("bn1", conv("conv1", input)));
  let r = relu(norm("block_bn1", conv("block_conv1", x)));
  r = norm("block_bn2", conv("block_conv2", r));
  x = relu(tfl.layers.add().apply([x, r]) as tfl.SymbolicTensor);
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ name: "logits", units: classes })
    .apply(x) as tfl.SymbolicTensor;
  const probs = tfl.layers.softmax().apply(logits) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: probs });
  setDeterministicWeights(model, opts.seed ?? 1);
  return model;
}

/** He-uniform kernels from Rng(seed), zero biases, BN as initialised by tfjs (gamma 1, beta 0, mean 0, var 1). */
export function setDeterministicWeights(model: tfl.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const w of model.weights) {
    const name = w.originalName;
    if (!/kernel$/.test(name)) continue;
    const shape = w.shape as number[];
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / fanIn);
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * limit;
    tf.tidy(() => {
      w.write(tf.tensor(v, shape));
    });
  }
}

/** All weights of a model, by position. */
export function weightValues(model: tfl.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
}

export function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  expectSameLength(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    expectSameLength(a[i]!.length, b[i]!.length);
    for (let j = 0; j < a[i]!.length; j++) d = Math.max(d, Math.abs(a[i]![j]! - b[i]![j]!));
  }
  return d;
}

function expectSameLength(a: number, b: number): void {
  if (a !== b) throw new Error(`length ${a} != ${b}`);
}

export interface MemoryDataOptions {
  n?: number;
  testN?: number;
  shape?: [number, number, number];
  classes?: number;
  seed?: number;
  /** Called before each training batch is yielded, with its index in the epoch (skipped ones excluded). */
  onTrainBatch?: (index: number) => void | Promise<void>;
  /** Replace the pixel values of every training example (e.g. with NaN). */
  poison?: number;
}

/**
 * A learnable toy problem: class c has a bright square in a class-specific place plus noise. Batches follow
 * the loader contract: shuffle with opts.rng, random horizontal flip drawn from opts.rng when
 * augment.flip (all of the epoch's numbers drawn up front, so skipBatches does not change later batches),
 * mean subtracted.
 */
export function memoryData(opts: MemoryDataOptions = {}): DataSource {
  const shape = opts.shape ?? [8, 8, 3];
  const classes = opts.classes ?? 4;
  const [h, w, c] = shape;
  const size = h * w * c;
  const rng = new Rng(opts.seed ?? 7);
  const make = (n: number) => {
    const x = new Float32Array(n * size);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const label = i % classes;
      y[i] = label;
      const cy = (label * 3) % (h - 2);
      const cx = (label * 5) % (w - 2);
      for (let p = 0; p < size; p++) x[i * size + p] = rng.next() * 0.3;
      for (let dy = 0; dy < 3; dy++)
        for (let dx = 0; dx < 3; dx++)
          for (let ch = 0; ch < c; ch++) x[i * size + ((cy + dy) * w + cx + dx) * c + ch] += 1;
      if (opts.poison !== undefined) x.fill(opts.poison, i * size, (i + 1) * size);
    }
    return { x, y, n };
  };
  const split = (
    d: { x: Float32Array; y: Int32Array; n: number },
    isTrain: boolean,
  ): DataSplit => ({
    size: d.n,
    async mean() {
      const m = new Float32Array(size);
      for (let i = 0; i < d.n; i++)
        for (let p = 0; p < size; p++) m[p]! += d.x[i * size + p]! / d.n;
      return m;
    },
    async *batches(o: BatchOptions): AsyncIterable<Batch> {
      const order = Int32Array.from({ length: d.n }, (_, i) => i);
      if (o.shuffle) o.rng.shuffle(order);
      const flips = order.map(() => (o.augment?.flip ? (o.rng.next() < 0.5 ? 1 : 0) : 0));
      const numBatches = Math.ceil(d.n / o.batchSize);
      for (let b = o.skipBatches ?? 0; b < numBatches; b++) {
        const start = b * o.batchSize;
        const n = Math.min(o.batchSize, d.n - start);
        const x = new Float32Array(n * size);
        const y = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const src = order[start + i]!;
          y[i] = d.y[src]!;
          for (let yy = 0; yy < h; yy++)
            for (let xx = 0; xx < w; xx++)
              for (let ch = 0; ch < c; ch++) {
                const sx = flips[start + i] ? w - 1 - xx : xx;
                const p = (yy * w + xx) * c + ch;
                x[i * size + p] =
                  d.x[src * size + (yy * w + sx) * c + ch]! - (o.mean ? o.mean[p]! : 0);
              }
        }
        if (isTrain) await opts.onTrainBatch?.(b);
        await new Promise((r) => setImmediate(r));
        yield { x, y, n };
      }
    },
  });
  const train = make(opts.n ?? 32);
  const test = make(opts.testN ?? 16);
  return {
    name: "memory",
    shape,
    classes: Array.from({ length: classes }, (_, i) => `c${i}`),
    train: split(train, true),
    test: split(test, false),
  };
}

export function recipe(over: Partial<TrainRecipe> = {}): TrainRecipe {
  return {
    ...DEFAULT_RECIPE,
    batchSize: 8,
    lr: 0.05,
    epochs: 2,
    weightDecay: 1e-4,
    normalize: "per_pixel_mean",
    augment: { pad: 0, randomCrop: 0, flip: true, scale: null },
    ...over,
  };
}
