import { mkdirSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CIFAR10_CLASSES } from "../../../runtime/data/cifar10.js";
import { openDataSource } from "../../../runtime/data/open.js";
import { DataError } from "../../../runtime/data/types.js";
import { Rng } from "../../../runtime/rng.js";
import {
  batchesOf,
  cifarByte,
  removeTempDirs,
  tempDir,
  writeCifarDir,
  writeCifarFile,
} from "./fixtures.js";

afterAll(removeTempDirs);

function cifarDir(): string {
  const dir = tempDir();
  writeCifarDir(dir);
  return dir;
}

/** The expected NHWC float of file f, record r at (y, x, ch). */
const px = (f: number, r: number, y: number, x: number, ch: number) =>
  Math.fround(cifarByte(f, r, ch, y, x) / 255);

describe("cifar10 binary reader", () => {
  it("reads the five train files in order and the test file, as NHWC float32 / 255", async () => {
    const dir = cifarDir();
    const ds = await openDataSource(`cifar10:${dir}`);
    expect(ds.name).toBe(`cifar10:${dir}`);
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(ds.classes).toEqual(CIFAR10_CLASSES);
    expect(ds.classes[0]).toBe("airplane");
    expect([ds.train.size, ds.test.size]).toEqual([15, 3]);

    const [train] = await batchesOf(ds.train, { batchSize: 100 });
    expect(train.n).toBe(15);
    // File i holds i records labelled (i + r) % 10.
    const expectedLabels = [1, 2, 3, 4, 5].flatMap((i) =>
      Array.from({ length: i }, (_, r) => (i + r) % 10),
    );
    expect(Array.from(train.y)).toEqual(expectedLabels);
    // Example 3 is data_batch_3.bin record 0; check every value of it.
    const ex = train.x.subarray(3 * 3072, 4 * 3072);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let ch = 0; ch < 3; ch++) expect(ex[(y * 32 + x) * 3 + ch]).toBe(px(3, 0, y, x, ch));
      }
    }
    // Spot checks elsewhere: last train example (file 5, record 4), pixel (31, 30), blue.
    expect(train.x[14 * 3072 + (31 * 32 + 30) * 3 + 2]).toBe(px(5, 4, 31, 30, 2));

    const [test] = await batchesOf(ds.test, { batchSize: 2 });
    expect(Array.from(test.y)).toEqual([7, 8]);
    expect(test.x[3072 + (5 * 32 + 9) * 3 + 1]).toBe(px(0, 1, 5, 9, 1));
  });

  it("computes the per-pixel mean over the train split and applies CIFAR augmentation", async () => {
    const ds = await openDataSource(`cifar10:${cifarDir()}`);
    const mean = await ds.train.mean();
    expect(mean.length).toBe(3072);
    let s = 0;
    for (let i = 1; i <= 5; i++) for (let r = 0; r < i; r++) s += cifarByte(i, r, 1, 2, 3) / 255;
    expect(mean[(2 * 32 + 3) * 3 + 1]).toBe(Math.fround(s / 15));

    const aug = { pad: 4, randomCrop: 32, flip: true, scale: null };
    const run = (rng: Rng, skipBatches = 0) =>
      batchesOf(ds.train, { batchSize: 4, shuffle: true, augment: aug, rng, mean, skipBatches });
    const full = await run(new Rng(5));
    expect(full.map((b) => b.n)).toEqual([4, 4, 4, 3]);
    expect(await run(new Rng(5), 2)).toEqual(full.slice(2));
    // Some pixel lands in the zero padding in some example.
    expect(full.some((b) => b.x.some((v) => v === 0))).toBe(true);
  });

  it("takes class names from batches.meta.txt when present", async () => {
    const dir = cifarDir();
    const names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    writeFileSync(join(dir, "batches.meta.txt"), names.join("\n") + "\n\n");
    expect((await openDataSource(`cifar10:${dir}`)).classes).toEqual(names);

    writeFileSync(join(dir, "batches.meta.txt"), "one\ntwo\n");
    const warnings: string[] = [];
    const ds = await openDataSource(`cifar10:${dir}`, { onWarning: (m) => warnings.push(m) });
    expect(ds.classes).toEqual(CIFAR10_CLASSES);
    expect(warnings).toEqual([
      `cifar10: ${join(dir, "batches.meta.txt")} has 2 class names, expected 10; using the standard CIFAR-10 names`,
    ]);
  });

  it("detects a bare directory and the directory the archive was extracted into", async () => {
    const dir = cifarDir();
    expect((await openDataSource(dir)).train.size).toBe(15);
    const parent = tempDir();
    const inner = join(parent, "cifar-10-batches-bin");
    mkdirSync(inner);
    writeCifarDir(inner);
    expect((await openDataSource(`cifar10:${parent}`)).test.size).toBe(3);
    expect((await openDataSource(parent)).test.size).toBe(3);
  });

  it("names a truncated file, its size and what was expected", async () => {
    const dir = cifarDir();
    const file = join(dir, "data_batch_2.bin");
    truncateSync(file, 2 * 3073 - 100);
    const err = await openDataSource(`cifar10:${dir}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(
      `cifar10: ${file} is 6046 bytes, not a multiple of 3073 (1 label byte + 3072 pixel bytes per record): truncated or not CIFAR-10 binary`,
    );
    expect((err as DataError).file).toBe(file);
  });

  it("names an empty file", async () => {
    const dir = cifarDir();
    const file = join(dir, "test_batch.bin");
    truncateSync(file, 0);
    await expect(openDataSource(`cifar10:${dir}`)).rejects.toThrow(
      `cifar10: ${file} is empty; expected 3073-byte CIFAR-10 records`,
    );
  });

  it("names missing files", async () => {
    const dir = cifarDir();
    unlinkSync(join(dir, "test_batch.bin"));
    await expect(openDataSource(`cifar10:${dir}`)).rejects.toThrow(
      `cifar10: ${dir} is missing test_batch.bin; expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the binary version of CIFAR-10)`,
    );
    unlinkSync(join(dir, "data_batch_4.bin"));
    await expect(openDataSource(`cifar10:${dir}`)).rejects.toThrow(
      `cifar10: ${dir} is missing data_batch_4.bin, test_batch.bin; expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the binary version of CIFAR-10)`,
    );
  });

  it("names the file and record of a label above 9", async () => {
    const dir = cifarDir();
    writeCifarFile(dir, "data_batch_5.bin", 5, [1, 2, 12, 3]);
    const file = join(dir, "data_batch_5.bin");
    const err = await openDataSource(`cifar10:${dir}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(
      `cifar10: ${file} record 2 (byte offset 6146) has label 12; CIFAR-10 labels are 0..9`,
    );
    expect((err as DataError).file).toBe(file);
  });
});
