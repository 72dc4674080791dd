// Image folders, ImageNet style: DIR/train/<class>/*.{jpg,jpeg,png,webp} and DIR/val/<class>/...
// Classes are the sorted subfolder names of train/ (val/ must have the same ones); within a class,
// files are taken in sorted name order. Images are decoded with sharp while training runs
// (PREFETCH_BATCHES batches ahead, in a fixed order), and brought to the model's input size h x w:
//  - evaluation / no augmentation: resized (aspect kept) to cover round(h*256/224) x round(w*256/224)
//    (for 224x224: shorter side 256), then the centre h x w crop;
//  - augment.scale [a, b]: shorter side resized to a random s in [a, b] (at least h and w), then a
//    random h x w crop (the paper: [256, 480] and 224);
//  - otherwise with pad / randomCrop: the evaluation resize, then a random crop;
//  - augment.flip: mirrored left-right with probability 1/2;
// then the per-pixel mean (at the output size) is subtracted.
import { readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { geometry, isActive, renderExample } from "./augment.js";
import { batchRange, fixedEpoch, planEpoch, type Epoch } from "./epoch.js";
import { decodeCovering, IMAGE_EXTENSIONS, ImageDecodeError } from "./image.js";
import { prefetched } from "./prefetch.js";
import {
  DataError,
  type Batch,
  type BatchOptions,
  type DataSource,
  type DataSplit,
} from "./types.js";

export const DEFAULT_IMAGE_SIZE: [number, number] = [224, 224];
/** Evaluation resize: 256 for a 224 crop, as in the paper. */
const EVAL_RESIZE = 256 / 224;
/** mean() averages at most this many images of the split, evenly spaced over it. */
export const MEAN_SAMPLE = 1000;
const EXTENSIONS = IMAGE_EXTENSIONS.join(", ");
export const FOLDER_EXPECTED = `train/<class>/ and val/<class>/ folders of ${EXTENSIONS} images`;

export interface FolderOptions {
  onWarning?: (msg: string) => void;
  corrupt?: "skip" | "stop";
  imageSize?: [number, number];
}

interface Listing {
  /** The split's folder. */
  dir: string;
  classes: string[];
  paths: string[];
  labels: Int32Array;
}

/** Opens the image folders under `dir` (an absolute path); `name` is what the user asked for. */
export async function openImageFolder(
  dir: string,
  name: string,
  opts: FolderOptions = {},
): Promise<DataSource> {
  const [h, w] = opts.imageSize ?? DEFAULT_IMAGE_SIZE;
  if (![h, w].every((v) => Number.isInteger(v) && v > 0)) {
    throw new RangeError(`imageSize must be two positive integers, got [${h}, ${w}]`);
  }
  const trainDir = join(dir, "train");
  const valDir = join(dir, "val");
  for (const sub of [trainDir, valDir]) {
    if (!(await isDirectory(sub))) {
      throw new DataError(
        `folder: ${dir} has no ${basename(sub)}/ subfolder; expected ${dir} to hold ${FOLDER_EXPECTED}`,
        sub,
      );
    }
  }
  const train = await listSplit(trainDir);
  const val = await listSplit(valDir);
  const missing = train.classes.filter((c) => !val.classes.includes(c));
  const extra = val.classes.filter((c) => !train.classes.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing in val: ${missing.join(", ")}`);
    if (extra.length > 0) parts.push(`not in train: ${extra.join(", ")}`);
    throw new DataError(
      `folder: the classes of ${valDir} differ from those of ${trainDir} (${parts.join("; ")})`,
      valDir,
    );
  }
  const warned = new Set<string>();
  const ctx: SplitContext = {
    h,
    w,
    corrupt: opts.corrupt ?? "stop",
    warn: (path, why) => {
      if (warned.has(path)) return;
      warned.add(path);
      opts.onWarning?.(`folder: skipping corrupt image ${path}: ${why}`);
    },
  };
  return {
    name,
    shape: [h, w, 3],
    classes: train.classes,
    train: folderSplit(train, ctx),
    test: folderSplit(val, ctx),
  };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Sorted without locale rules, so the order is the same everywhere. */
function sorted(names: string[]): string[] {
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function listSplit(splitDir: string): Promise<Listing> {
  const entries = await readdir(splitDir, { withFileTypes: true });
  const classes: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() || (e.isSymbolicLink() && (await isDirectory(join(splitDir, e.name))))) {
      classes.push(e.name);
    }
  }
  sorted(classes);
  if (classes.length === 0) {
    throw new DataError(
      `folder: ${splitDir} has no class subfolders; expected one subfolder of ${EXTENSIONS} images per class`,
      splitDir,
    );
  }
  const paths: string[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes.length; c++) {
    const classDir = join(splitDir, classes[c]);
    const files = sorted(
      (await readdir(classDir)).filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())),
    );
    if (files.length === 0) {
      throw new DataError(`folder: class folder ${classDir} has no ${EXTENSIONS} images`, classDir);
    }
    for (const f of files) {
      paths.push(join(classDir, f));
      labels.push(c);
    }
  }
  return { dir: splitDir, classes, paths, labels: Int32Array.from(labels) };
}

interface SplitContext {
  h: number;
  w: number;
  corrupt: "skip" | "stop";
  warn: (path: string, reason: string) => void;
}

function folderSplit(list: Listing, ctx: SplitContext): DataSplit {
  const { h, w } = ctx;
  const exampleSize = h * w * 3;
  const evalH = Math.round(h * EVAL_RESIZE);
  const evalW = Math.round(w * EVAL_RESIZE);
  let meanCache: Promise<Float32Array> | null = null;

  /** Decodes one image into out[offset..] as `epoch.plan(pos)` says; false if skipped as corrupt. */
  async function render(
    i: number,
    epoch: Epoch,
    pos: number,
    pad: number,
    out: Float32Array,
    offset: number,
    mean: Float32Array | null,
  ): Promise<boolean> {
    const plan = epoch.plan(pos);
    const path = list.paths[i];
    let img;
    try {
      img =
        plan.scale > 0
          ? await decodeCovering(path, Math.max(plan.scale, h), Math.max(plan.scale, w))
          : await decodeCovering(path, evalH, evalW);
    } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      if (ctx.corrupt === "stop") throw new DataError(`folder: ${e.message}`, path);
      ctx.warn(path, e.reason);
      return false;
    }
    const g = geometry(plan, pad, img.height, img.width, 3, h, w);
    renderExample(img.data, 0, g, out, offset, mean, "output");
    return true;
  }

  async function makeBatch(
    epoch: Epoch,
    b: number,
    pad: number,
    mean: Float32Array | null,
  ): Promise<Batch> {
    const [start, end] = batchRange(epoch, b);
    const x = new Float32Array((end - start) * exampleSize);
    const ok = await Promise.all(
      Array.from({ length: end - start }, (_, k) =>
        render(epoch.order[start + k], epoch, start + k, pad, x, k * exampleSize, mean),
      ),
    );
    // Drop the skipped (corrupt) ones, keeping the order.
    const y = new Int32Array(end - start);
    let n = 0;
    for (let k = 0; k < ok.length; k++) {
      if (!ok[k]) continue;
      if (n !== k) x.copyWithin(n * exampleSize, k * exampleSize, (k + 1) * exampleSize);
      y[n++] = list.labels[epoch.order[start + k]];
    }
    return n === ok.length ? { x, y, n } : { x: x.slice(0, n * exampleSize), y: y.slice(0, n), n };
  }

  async function* produce(
    epoch: Epoch,
    pad: number,
    mean: Float32Array | null,
  ): AsyncGenerator<Batch> {
    for await (const batch of prefetched(epoch.firstBatch, epoch.numBatches, (b) =>
      makeBatch(epoch, b, pad, mean),
    )) {
      // A batch whose images were all skipped as corrupt is not produced.
      if (batch.n > 0) yield batch;
    }
  }

  async function computeMean(): Promise<Float32Array> {
    const size = list.paths.length;
    const count = Math.min(size, MEAN_SAMPLE);
    const order = Int32Array.from({ length: count }, (_, k) => Math.floor((k * size) / count));
    const sample = fixedEpoch(order, 32);
    const sum = new Float64Array(exampleSize);
    let used = 0;
    for await (const batch of prefetched(0, sample.numBatches, (b) =>
      makeBatch(sample, b, 0, null),
    )) {
      for (let k = 0; k < batch.n; k++) {
        const off = k * exampleSize;
        for (let j = 0; j < exampleSize; j++) sum[j] += batch.x[off + j];
      }
      used += batch.n;
    }
    if (used === 0) {
      throw new DataError(
        `folder: none of the ${count} images of ${list.dir} sampled for the per-pixel mean could be decoded`,
        list.dir,
      );
    }
    return Float32Array.from(sum, (s) => s / used);
  }

  return {
    size: list.paths.length,
    batches(opts: BatchOptions): AsyncIterable<Batch> {
      checkBatchOptions(opts, h, w);
      // Draws the epoch's random numbers now, not at the first next(): see epoch.ts.
      const epoch = planEpoch(list.paths.length, opts);
      const pad = isActive(opts.augment) ? opts.augment.pad : 0;
      return produce(epoch, pad, opts.mean);
    },
    /**
     * Per-pixel mean of the evaluation-resized, centre-cropped images. For speed this averages a
     * sample of at most MEAN_SAMPLE images evenly spaced over the split (all of it when smaller);
     * computed once per DataSource.
     */
    mean(): Promise<Float32Array> {
      if (meanCache === null) {
        meanCache = computeMean();
        meanCache.catch(() => (meanCache = null));
      }
      return meanCache;
    },
  };
}

function checkBatchOptions(opts: BatchOptions, h: number, w: number): void {
  if (opts.mean !== null && opts.mean.length !== h * w * 3) {
    throw new DataError(
      `folder: the per-pixel mean has ${opts.mean.length} values, expected ${h * w * 3} (${h}x${w}x3)`,
    );
  }
  const aug = opts.augment;
  if (isActive(aug) && aug.randomCrop !== 0 && (aug.randomCrop !== h || aug.randomCrop !== w)) {
    throw new DataError(
      `folder: augment.randomCrop ${aug.randomCrop} does not match the ${h}x${w} input size; use ${h} or 0`,
    );
  }
  if (isActive(aug) && aug.scale !== null) {
    const [a, b] = aug.scale;
    if (!(Number.isInteger(a) && Number.isInteger(b) && 0 < a && a <= b)) {
      throw new DataError(`folder: augment.scale [${a}, ${b}] is not a range of sizes`);
    }
  }
}
