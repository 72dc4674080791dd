// The preprocessing that travels with pretrained weights: torchvision's ImageNet normalisation,
// (x - mean) / std per channel on pixels in [0, 1], and its evaluation transform (shorter side
// resized to 256/224 of the input, then the centre crop). The mean is stored as today's mean.json
// (per pixel, the channel means repeated); the std and the resize in preprocess.json beside it.
import * as fsp from "node:fs/promises";
import * as path from "node:path";

import { ImageDecodeError, decodeCovering } from "../data/image.js";
import { type BatchOptions, DataError, type DataSource, type DataSplit } from "../data/types.js";
import { ModelIOError } from "./errors.js";

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];
export const PREPROCESS_FILE = "preprocess.json";
const FORMAT = "resnetc-preprocess";

export interface Preprocess {
  /** Per channel: the loaders' mean-subtracted pixels are divided by it. */
  std: number[];
  /** Shorter side resized to `resize` x the input size before the centre crop (256 / 224). */
  resize: number;
}

export const IMAGENET_PREPROCESS: Preprocess = { std: IMAGENET_STD, resize: 256 / 224 };

export function preprocessToJSON(p: Preprocess): string {
  return JSON.stringify({ format: FORMAT, version: 1, ...p }) + "\n";
}

/** Reads dir/preprocess.json; null when there is none (a model trained from scratch). */
export async function readPreprocess(dir: string): Promise<Preprocess | null> {
  const file = path.join(dir, PREPROCESS_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    return null;
  }
  let doc: { format?: unknown; std?: unknown; resize?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new ModelIOError(`${file}: not valid JSON (${(err as Error).message})`, file);
  }
  const std = doc?.std;
  if (
    doc?.format !== FORMAT ||
    !Array.isArray(std) ||
    !std.every((s) => typeof s === "number" && s > 0) ||
    typeof doc.resize !== "number" ||
    !(doc.resize >= 1)
  ) {
    throw new ModelIOError(`${file}: not a ${FORMAT} file`, file);
  }
  return { std: std as number[], resize: doc.resize };
}

/** Per-channel values repeated over an h x w x c example (the layout of mean.json). */
export function perPixel(values: readonly number[], [h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(h! * w! * c!);
  for (let i = 0; i < out.length; i++) out[i] = values[i % c!]!;
  return out;
}

/** Divides mean-subtracted HWC examples by the per-channel std, in place. */
export function divideStd(x: Float32Array, std: readonly number[]): Float32Array {
  const c = std.length;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! / std[i % c]!;
  return x;
}

/**
 * `data` normalised as torchvision's pretrained models expect: its splits' mean() is the ImageNet
 * mean (so training subtracts it and stores it as mean.json), and every batch is divided by the std.
 */
export function imagenetNormalised(data: DataSource): DataSource {
  const split = (s: DataSplit): DataSplit => ({
    size: s.size,
    mean: async () => perPixel(IMAGENET_MEAN, data.shape),
    async *batches(o: BatchOptions) {
      for await (const b of s.batches(o)) yield { ...b, x: divideStd(b.x, IMAGENET_STD) };
    },
  });
  return { ...data, train: split(data.train), test: split(data.test) };
}

/** A test split divided by `std` after the loader's mean subtraction (eval of an imported model). */
export function dividedSplit(s: DataSplit, std: readonly number[]): DataSplit {
  return {
    size: s.size,
    mean: () => s.mean(),
    async *batches(o: BatchOptions) {
      for await (const b of s.batches(o)) yield { ...b, x: divideStd(b.x, std) };
    },
  };
}

/**
 * One image as torchvision's evaluation transform gives it, for an h x w x 3 model: shorter side
 * resized to `resize` x the input (256 for 224), the centre h x w crop, pixels in [0, 1].
 */
export async function loadImageCentreCrop(
  file: string,
  [h, w, c]: readonly [number, number, number],
  resize: number,
): Promise<Float32Array> {
  let img;
  try {
    img = await decodeCovering(file, Math.round(h * resize), Math.round(w * resize));
  } catch (err) {
    if (err instanceof ImageDecodeError) throw new DataError(err.message, file);
    throw err;
  }
  const top = roundHalfEven((img.height - h) / 2);
  const left = roundHalfEven((img.width - w) / 2);
  const x = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let z = 0; z < w; z++)
      for (let k = 0; k < c; k++)
        x[(y * w + z) * c + k] =
          img.data[((top + y) * img.width + left + z) * 3 + Math.min(k, 2)]! / 255;
  return x;
}

/** Python's round(), which torchvision's CenterCrop uses. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return Math.round(v);
  return f % 2 === 0 ? f : f + 1;
}
