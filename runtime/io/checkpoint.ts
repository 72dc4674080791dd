// Training checkpoints: outDir/checkpoint/ holds
//   checkpoint.json        the manifest (format, version, counters, rng and warm-up state, tensor index)
//   state-<iter>-<id>.bin  the tensors: model weights (incl. BN moving statistics), optimizer velocities
//                          and the per-pixel mean, float32 little-endian, concatenated
// Writing is atomic: the .bin is written under a fresh name (temp file + rename), then checkpoint.json is
// replaced (temp file + rename) — that rename is the commit point — and only then are older .bin files
// removed. A crash at any moment leaves the previous checkpoint readable.
import { createHash, randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import * as path from "node:path";

import type { TrainRecipe } from "../../compiler/recipe.js";
import type { RngState } from "../rng.js";
import type { WarmupState } from "../train/schedule.js";
import { atomicFs, exists, writeFileAtomic } from "./atomic.js";
import { CheckpointError } from "./errors.js";

export const CHECKPOINT_DIR = "checkpoint";
export const CHECKPOINT_JSON = "checkpoint.json";
export const CHECKPOINT_FORMAT = "resnetc-checkpoint";
export const CHECKPOINT_VERSION = 1;

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Sums over the mini-batches already done in an unfinished epoch (so a resumed epoch reports the same metrics). */
export interface PartialEpoch {
  lossSum: number;
  errors: number;
  images: number;
  trainSeconds: number;
  seconds: number;
  lr: number;
}

export interface TrainingState {
  /** Completed epochs; training continues with epoch `epoch + 1` (1-based). */
  epoch: number;
  /** Mini-batches of that next epoch already done (interrupted mid-epoch), else 0. */
  batchInEpoch: number;
  /** Optimizer steps done. */
  iteration: number;
  seed: number;
  /** State of the run's random generator at the start of the next epoch (before its per-epoch fork). */
  rng: RngState;
  warmup: WarmupState;
  partial: PartialEpoch;
  /** The recipe the run was started with (informative). */
  recipe: TrainRecipe;
  data: { name: string; shape: number[]; classes: number; trainSize: number };
}

export interface Checkpoint extends TrainingState {
  /** All model weights (trainable and not, e.g. BN moving mean/variance), by weight name, in model order. */
  weights: NamedArray[];
  /** Optimizer velocities by weight name. */
  velocities: NamedArray[];
  /** Per-pixel mean [h*w*c] or null. */
  mean: NamedArray | null;
}

interface TensorEntry {
  group: "weight" | "velocity" | "mean";
  name: string;
  shape: number[];
  /** Byte offset in the data file. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

interface Manifest extends TrainingState {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  savedAt: string;
  data_file: { name: string; bytes: number; sha256: string };
  tensors: TensorEntry[];
}

/** The checkpoint directory of a run directory. */
export function checkpointDir(outDir: string): string {
  return path.join(outDir, CHECKPOINT_DIR);
}

export async function hasCheckpoint(dir: string): Promise<boolean> {
  return exists(path.join(dir, CHECKPOINT_JSON));
}

/** Deletes the checkpoint directory (starting a new run in an old run directory). */
export async function removeCheckpoint(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true });
}

/** Writes a checkpoint into `dir` atomically; returns the path of checkpoint.json. */
export async function saveCheckpoint(dir: string, ckpt: Checkpoint): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const tensors: TensorEntry[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  const add = (group: TensorEntry["group"], a: NamedArray) => {
    const n = a.shape.reduce((x, y) => x * y, 1);
    if (n !== a.values.length) {
      throw new Error(
        `checkpoint tensor "${a.name}" has ${a.values.length} values for shape [${a.shape.join(", ")}]`,
      );
    }
    tensors.push({ group, name: a.name, shape: [...a.shape], offset, length: n });
    parts.push(a.values);
    offset += n * 4;
  };
  for (const w of ckpt.weights) add("weight", w);
  for (const v of ckpt.velocities) add("velocity", v);
  if (ckpt.mean) add("mean", ckpt.mean);

  const data = new Uint8Array(offset);
  const view = new DataView(data.buffer);
  let pos = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++, pos += 4) view.setFloat32(pos, p[i]!, true);
  }
  const sha256 = createHash("sha256").update(data).digest("hex");
  const dataName = `state-${String(ckpt.iteration).padStart(8, "0")}-${randomBytes(4).toString("hex")}.bin`;
  await writeFileAtomic(path.join(dir, dataName), data);

  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    epoch: ckpt.epoch,
    batchInEpoch: ckpt.batchInEpoch,
    iteration: ckpt.iteration,
    seed: ckpt.seed,
    rng: [...ckpt.rng] as RngState,
    warmup: ckpt.warmup,
    partial: ckpt.partial,
    recipe: ckpt.recipe,
    data: ckpt.data,
    data_file: { name: dataName, bytes: data.byteLength, sha256 },
    tensors,
  };
  const jsonPath = path.join(dir, CHECKPOINT_JSON);
  try {
    await writeFileAtomic(jsonPath, JSON.stringify(manifest, null, 1) + "\n");
  } catch (err) {
    await fsp.rm(path.join(dir, dataName), { force: true }).catch(() => undefined);
    throw err;
  }
  // Committed: remove older data files and leftovers of interrupted writes.
  for (const f of await fsp.readdir(dir)) {
    if (f === dataName || f === CHECKPOINT_JSON) continue;
    if ((f.startsWith("state-") && f.endsWith(".bin")) || f.startsWith(".")) {
      await atomicFs.rm(path.join(dir, f)).catch(() => undefined);
    }
  }
  return jsonPath;
}

/** Reads the checkpoint in `dir`. Missing, truncated or corrupt: a CheckpointError naming the file. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const jsonPath = path.join(dir, CHECKPOINT_JSON);
  let text: string;
  try {
    text = await fsp.readFile(jsonPath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CheckpointError(`cannot resume: there is no checkpoint at ${jsonPath}`, jsonPath);
    }
    throw new CheckpointError(
      `cannot read the checkpoint ${jsonPath}: ${(err as Error).message}`,
      jsonPath,
    );
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new CheckpointError(
      `the checkpoint ${jsonPath} is corrupt or truncated (not valid JSON: ${(err as Error).message})`,
      jsonPath,
    );
  }
  if (m === null || typeof m !== "object" || m.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${jsonPath} is not a resnetc checkpoint`, jsonPath);
  }
  if (m.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `the checkpoint ${jsonPath} has format version ${String(m.version)}; this resnetc reads version ${CHECKPOINT_VERSION}`,
      jsonPath,
    );
  }
  const bad = (what: string) =>
    new CheckpointError(`the checkpoint ${jsonPath} is corrupt: ${what}`, jsonPath);
  for (const k of ["epoch", "batchInEpoch", "iteration", "seed"] as const) {
    if (!Number.isInteger(m[k]) || m[k] < 0) throw bad(`"${k}" is not a non-negative integer`);
  }
  if (!Array.isArray(m.rng) || m.rng.length !== 4) throw bad(`"rng" is not a generator state`);
  if (!m.warmup || !Array.isArray(m.warmup.recentErrors)) throw bad(`"warmup" is missing`);
  if (!m.partial || typeof m.partial.lossSum !== "number") throw bad(`"partial" is missing`);
  if (
    !m.data_file ||
    typeof m.data_file.name !== "string" ||
    m.data_file.name !== path.basename(m.data_file.name)
  ) {
    throw bad(`"data_file" is missing`);
  }
  if (!Array.isArray(m.tensors)) throw bad(`"tensors" is missing`);

  const dataPath = path.join(dir, m.data_file.name);
  let buf: Buffer;
  try {
    buf = await fsp.readFile(dataPath);
  } catch (err) {
    throw new CheckpointError(
      (err as NodeJS.ErrnoException).code === "ENOENT"
        ? `the checkpoint data file ${dataPath} (named by ${jsonPath}) is missing`
        : `cannot read the checkpoint data file ${dataPath}: ${(err as Error).message}`,
      dataPath,
    );
  }
  if (buf.byteLength !== m.data_file.bytes) {
    throw new CheckpointError(
      `the checkpoint data file ${dataPath} is truncated or corrupt: ${buf.byteLength} bytes, expected ${m.data_file.bytes}`,
      dataPath,
    );
  }
  if (createHash("sha256").update(buf).digest("hex") !== m.data_file.sha256) {
    throw new CheckpointError(
      `the checkpoint data file ${dataPath} is corrupt: its SHA-256 does not match the one in ${jsonPath}`,
      dataPath,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const weights: NamedArray[] = [];
  const velocities: NamedArray[] = [];
  let mean: NamedArray | null = null;
  for (const t of m.tensors) {
    const n = Array.isArray(t.shape) ? t.shape.reduce((a, b) => a * b, 1) : -1;
    if (
      n !== t.length ||
      !Number.isInteger(t.offset) ||
      t.offset < 0 ||
      t.offset + 4 * n > buf.byteLength
    ) {
      throw bad(`tensor "${String(t.name)}" does not fit the data file`);
    }
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = view.getFloat32(t.offset + 4 * i, true);
    const a: NamedArray = { name: t.name, shape: t.shape, values };
    if (t.group === "weight") weights.push(a);
    else if (t.group === "velocity") velocities.push(a);
    else if (t.group === "mean") mean = a;
    else throw bad(`tensor "${String(t.name)}" has an unknown group "${String(t.group)}"`);
  }
  return {
    epoch: m.epoch,
    batchInEpoch: m.batchInEpoch,
    iteration: m.iteration,
    seed: m.seed,
    rng: m.rng,
    warmup: m.warmup,
    partial: m.partial,
    recipe: m.recipe,
    data: m.data,
    weights,
    velocities,
    mean,
  };
}
