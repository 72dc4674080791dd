// One epoch's order of examples and random augmentation choices, drawn up front.
//
// `planEpoch` consumes all of the epoch's random numbers from `opts.rng` when it is called (the
// Fisher-Yates shuffle first, then each example's augmentation draws in epoch order), before any
// batch is produced. So the batches depend only on the rng state passed in, prefetching cannot
// change them, and `skipBatches` only decides where production starts: the skipped batches' numbers
// are drawn all the same, and a resumed run (same rng state, same skipBatches) produces exactly the
// batches the uninterrupted run produced after that point. The rng state after the call is the same
// whatever skipBatches is; a trainer that checkpoints mid-epoch saves the state from before the call.
import type { BatchOptions } from "./types.js";
import { isActive, planExample, type ExamplePlan } from "./augment.js";

export interface Epoch {
  /** Example index at each position of the epoch. */
  order: Int32Array;
  batchSize: number;
  /** Batches in the whole epoch (the last one may be short). */
  numBatches: number;
  /** First batch to produce (opts.skipBatches). */
  firstBatch: number;
  /** The random choices for the example at position `pos`. */
  plan(pos: number): ExamplePlan;
  /** Whether any augmentation is on. */
  augmented: boolean;
}

const CENTRE: ExamplePlan = Object.freeze({ scale: 0, cropY: NaN, cropX: NaN, flip: false });

export function planEpoch(size: number, opts: BatchOptions): Epoch {
  const { batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const skip = opts.skipBatches ?? 0;
  if (!Number.isInteger(skip) || skip < 0) {
    throw new RangeError(`skipBatches must be a non-negative integer, got ${skip}`);
  }
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  if (opts.shuffle) opts.rng.shuffle(order);

  const base = fixedEpoch(order, batchSize, skip);
  const aug = opts.augment;
  if (!isActive(aug)) return base;

  // Typed arrays rather than one object per example: an ImageNet epoch has 1.28M examples.
  const scale = new Int32Array(size);
  const cropY = new Float64Array(size);
  const cropX = new Float64Array(size);
  const flip = new Uint8Array(size);
  for (let p = 0; p < size; p++) {
    const e = planExample(aug, opts.rng);
    scale[p] = e.scale;
    cropY[p] = e.cropY;
    cropX[p] = e.cropX;
    flip[p] = e.flip ? 1 : 0;
  }
  return {
    ...base,
    augmented: true,
    plan: (p) => ({ scale: scale[p], cropY: cropY[p], cropX: cropX[p], flip: flip[p] === 1 }),
  };
}

/** An epoch over `order` without augmentation (and without random numbers). */
export function fixedEpoch(order: Int32Array, batchSize: number, skipBatches = 0): Epoch {
  const numBatches = Math.ceil(order.length / batchSize);
  const firstBatch = Math.min(skipBatches, numBatches);
  return { order, batchSize, numBatches, firstBatch, augmented: false, plan: () => CENTRE };
}

/** Positions [start, end) of batch `b` in the epoch. */
export function batchRange(epoch: Epoch, b: number): [number, number] {
  const start = b * epoch.batchSize;
  return [start, Math.min(epoch.order.length, start + epoch.batchSize)];
}
