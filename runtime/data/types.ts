// The contract between data loaders (runtime/data) and the training loop (runtime/train).
import type { Augmentation } from "../../compiler/recipe.js";
import type { Rng } from "../rng.js";

/** One mini-batch, images in NHWC float32 (already normalised and augmented), labels as class ids. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  /** Number of examples in this batch (the last batch of an epoch may be short). */
  n: number;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order of examples (training) or keep it (evaluation). */
  shuffle: boolean;
  /** Augmentation to apply (training only); null = none. */
  augment: Augmentation | null;
  /** Drives shuffling and augmentation; the same state gives the same batches. */
  rng: Rng;
  /** Per-pixel mean [h*w*c] to subtract, or null. */
  mean: Float32Array | null;
  /** Skip this many batches at the start (resuming mid-epoch). */
  skipBatches?: number;
}

export interface DataSplit {
  /** Number of examples. */
  size: number;
  /** Produces the epoch's batches; decoding may run ahead (prefetch) but the order is deterministic. */
  batches(opts: BatchOptions): AsyncIterable<Batch>;
  /** Per-pixel mean over the split, [h*w*c] float32, in the loader's output scale. */
  mean(): Promise<Float32Array>;
}

export interface DataSource {
  /** What the user asked for, e.g. "mnist", "cifar10:/data/cifar-10-batches-bin", "folder:/data/imgs". */
  name: string;
  /** Shape of one example as the model sees it: [h, w, c]. */
  shape: [number, number, number];
  classes: string[];
  train: DataSplit;
  test: DataSplit;
}

/** A problem with the user's data (missing file, truncated record, corrupt image): always names the file. */
export class DataError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = "DataError";
  }
}
