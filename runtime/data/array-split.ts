// A split held in memory as HWC bytes (MNIST, CIFAR-10): converted to float32, mean-subtracted and
// augmented one batch at a time.
import type { Augmentation } from "../../compiler/recipe.js";
import { geometry, isActive, renderExample } from "./augment.js";
import { batchRange, planEpoch, type Epoch } from "./epoch.js";
import { DataError, type Batch, type BatchOptions, type DataSplit } from "./types.js";

export interface ArrayData {
  /** Examples as bytes 0..255, HWC, one after the other. */
  pixels: Uint8Array;
  labels: Int32Array;
  shape: [number, number, number];
}

/** A DataSplit over `data`; `source` names the data in error messages. */
export function arraySplit(data: ArrayData, source: string): DataSplit {
  const [h, w, c] = data.shape;
  const exampleSize = h * w * c;
  const size = data.labels.length;
  if (data.pixels.length !== size * exampleSize) {
    throw new Error(`${source}: ${data.pixels.length} pixel bytes for ${size} examples`);
  }
  let meanCache: Float32Array | null = null;

  async function* produce(
    epoch: Epoch,
    mean: Float32Array | null,
    pad: number,
  ): AsyncGenerator<Batch> {
    for (let b = epoch.firstBatch; b < epoch.numBatches; b++) {
      const [start, end] = batchRange(epoch, b);
      const n = end - start;
      const x = new Float32Array(n * exampleSize);
      const y = new Int32Array(n);
      for (let p = start; p < end; p++) {
        const i = epoch.order[p];
        y[p - start] = data.labels[i];
        const g = geometry(epoch.plan(p), pad, h, w, c, h, w);
        renderExample(
          data.pixels,
          i * exampleSize,
          g,
          x,
          (p - start) * exampleSize,
          mean,
          "source",
        );
      }
      yield { x, y, n };
    }
  }

  return {
    size,
    batches(opts: BatchOptions): AsyncIterable<Batch> {
      checkBatchOptions(opts, data.shape, source);
      // Draws the epoch's random numbers now, not at the first next(): see epoch.ts.
      const epoch = planEpoch(size, opts);
      const pad = epoch.augmented ? (opts.augment as Augmentation).pad : 0;
      return produce(epoch, opts.mean, pad);
    },
    async mean(): Promise<Float32Array> {
      if (meanCache === null) meanCache = pixelMean(data.pixels, size, exampleSize);
      return meanCache;
    },
  };
}

/** Mean over `count` examples of byte/255, per pixel and channel, accumulated in float64. */
export function pixelMean(pixels: Uint8Array, count: number, exampleSize: number): Float32Array {
  const sum = new Float64Array(exampleSize);
  for (let i = 0; i < count; i++) {
    const off = i * exampleSize;
    for (let k = 0; k < exampleSize; k++) sum[k] += pixels[off + k];
  }
  const mean = new Float32Array(exampleSize);
  for (let k = 0; k < exampleSize; k++) mean[k] = count === 0 ? 0 : sum[k] / 255 / count;
  return mean;
}

/** Rejects options this fixed-size source cannot honour, naming the source. */
function checkBatchOptions(
  opts: BatchOptions,
  shape: [number, number, number],
  source: string,
): void {
  const [h, w, c] = shape;
  if (opts.mean !== null && opts.mean.length !== h * w * c) {
    throw new DataError(
      `${source}: the per-pixel mean has ${opts.mean.length} values, expected ${h * w * c} (${h}x${w}x${c})`,
    );
  }
  const aug = opts.augment;
  if (!isActive(aug)) return;
  if (aug.scale !== null) {
    throw new DataError(
      `${source}: scale augmentation (augment.scale) needs an image-folder source; this one has fixed ${h}x${w} images`,
    );
  }
  if (aug.randomCrop !== 0 && (aug.randomCrop !== h || aug.randomCrop !== w)) {
    throw new DataError(
      `${source}: augment.randomCrop ${aug.randomCrop} does not match the ${h}x${w} images; use ${h} (with pad, as in the paper) or 0`,
    );
  }
}
