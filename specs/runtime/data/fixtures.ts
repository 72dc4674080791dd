// Helpers for the data loader specs: temp dirs, small CIFAR-10 binary files, collecting batches.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Augmentation } from "../../../compiler/recipe.js";
import { Rng } from "../../../runtime/rng.js";
import type { Batch, BatchOptions, DataSplit } from "../../../runtime/data/types.js";

/** Temp dirs made by `tempDir`, removed by `removeTempDirs` (call it in afterAll). */
const made: string[] = [];

export function tempDir(prefix = "resnetc-data-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Byte of CIFAR record `r` of file `f`, channel `ch` (0 R, 1 G, 2 B), pixel row `y`, column `x`. */
export function cifarByte(f: number, r: number, ch: number, y: number, x: number): number {
  return (f * 41 + r * 17 + ch * 85 + y * 7 + x * 3) & 255;
}

/** One 3,073-byte record: label, then the R, G and B planes, each row-major 32x32. */
export function cifarRecord(f: number, r: number, label: number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  for (let ch = 0; ch < 3; ch++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) rec[1 + ch * 1024 + y * 32 + x] = cifarByte(f, r, ch, y, x);
    }
  }
  return rec;
}

/** Writes `file` with records labelled `labels`; `f` seeds the pixel values. */
export function writeCifarFile(dir: string, file: string, f: number, labels: number[]): void {
  const buf = Buffer.alloc(labels.length * 3073);
  labels.forEach((l, r) => buf.set(cifarRecord(f, r, l), r * 3073));
  writeFileSync(join(dir, file), buf);
}

/** Train files 1..5 (file i has i records) and a 3-record test file, labels (i + r) % 10. */
export function writeCifarDir(dir: string): void {
  for (let i = 1; i <= 5; i++) {
    writeCifarFile(
      dir,
      `data_batch_${i}.bin`,
      i,
      Array.from({ length: i }, (_, r) => (i + r) % 10),
    );
  }
  writeCifarFile(dir, "test_batch.bin", 0, [7, 8, 9]);
}

export async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

export const NO_AUG: Augmentation = { pad: 0, randomCrop: 0, flip: false, scale: null };

export function options(over: Partial<BatchOptions> = {}): BatchOptions {
  return { batchSize: 4, shuffle: false, augment: null, rng: new Rng(1), mean: null, ...over };
}

/** All batches of `split` for `opts`. */
export function batchesOf(split: DataSplit, over: Partial<BatchOptions> = {}): Promise<Batch[]> {
  return collect(split.batches(options(over)));
}
