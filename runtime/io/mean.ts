// The per-pixel mean stored beside a model and in the run directory: mean.json.
import * as fsp from "node:fs/promises";
import * as path from "node:path";

import { writeFileAtomic } from "./atomic.js";
import { ModelIOError } from "./errors.js";

export const MEAN_FILE = "mean.json";
const FORMAT = "resnetc-mean";
const VERSION = 1;

interface MeanJSON {
  format: typeof FORMAT;
  version: number;
  /** [h, w, c] of one example; values are in HWC order. */
  shape: number[];
  values: number[];
}

/** The JSON text of mean.json (float32 values survive the round trip exactly). */
export function meanToJSON(mean: Float32Array, shape: readonly number[]): string {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== mean.length) {
    throw new Error(`mean has ${mean.length} values but shape [${shape.join(", ")}] needs ${n}`);
  }
  const doc: MeanJSON = {
    format: FORMAT,
    version: VERSION,
    shape: [...shape],
    values: Array.from(mean),
  };
  return JSON.stringify(doc) + "\n";
}

/** Writes `file` (atomically). */
export async function writeMean(
  file: string,
  mean: Float32Array,
  shape: readonly number[],
): Promise<void> {
  await writeFileAtomic(file, meanToJSON(mean, shape));
}

/** Reads a mean.json; `file` may also be a directory holding one. Returns null if there is none. */
export async function readMean(
  fileOrDir: string,
): Promise<{ mean: Float32Array; shape: [number, number, number] } | null> {
  let file = fileOrDir;
  try {
    if ((await fsp.stat(fileOrDir)).isDirectory()) file = path.join(fileOrDir, MEAN_FILE);
  } catch {
    return null;
  }
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    return null;
  }
  let doc: MeanJSON;
  try {
    doc = JSON.parse(text) as MeanJSON;
  } catch (err) {
    throw new ModelIOError(
      `${file}: not valid JSON (${(err as Error).message}); the file is corrupt or truncated`,
      file,
    );
  }
  if (
    doc === null ||
    typeof doc !== "object" ||
    doc.format !== FORMAT ||
    !Array.isArray(doc.shape) ||
    doc.shape.length !== 3 ||
    !Array.isArray(doc.values)
  ) {
    throw new ModelIOError(`${file}: not a ${FORMAT} file`, file);
  }
  if (doc.version !== VERSION) {
    throw new ModelIOError(
      `${file}: unsupported mean format version ${doc.version} (expected ${VERSION})`,
      file,
    );
  }
  const n = doc.shape.reduce((a, b) => a * b, 1);
  if (doc.values.length !== n) {
    throw new ModelIOError(
      `${file}: has ${doc.values.length} values but shape [${doc.shape.join(", ")}] needs ${n}; the file is corrupt`,
      file,
    );
  }
  return { mean: Float32Array.from(doc.values), shape: doc.shape as [number, number, number] };
}
