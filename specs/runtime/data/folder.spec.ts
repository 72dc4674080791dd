import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Augmentation } from "../../../compiler/recipe.js";
import { openDataSource } from "../../../runtime/data/open.js";
import { prefetched } from "../../../runtime/data/prefetch.js";
import { DataError, type Batch } from "../../../runtime/data/types.js";
import { Rng } from "../../../runtime/rng.js";
import { batchesOf, collect, options, removeTempDirs, tempDir } from "./fixtures.js";

afterAll(removeTempDirs);

type Colour = [number, number, number];

async function solid(path: string, w: number, h: number, [r, g, b]: Colour): Promise<void> {
  const img = sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } });
  const ext = path.slice(path.lastIndexOf(".") + 1);
  await (ext === "png" ? img.png() : ext === "webp" ? img.webp() : img.jpeg()).toFile(path);
}

/** A PNG of deterministic noise, so that any move of pixels shows. */
async function noise(path: string, w: number, h: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const raw = Uint8Array.from({ length: w * h * 3 }, () => rng.int(0, 255));
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(path);
}

function mkdirs(root: string, dirs: string[]): void {
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
}

/** Example k of a batch as an array. */
const example = (b: Batch, k: number, size = 8 * 8 * 3) =>
  Array.from(b.x.subarray(k * size, (k + 1) * size));

/** Mirrors an h x w x 3 image left-right. */
function mirror(img: number[], h = 8, w = 8): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = w - 1; x >= 0; x--) out.push(...img.slice((y * w + x) * 3, (y * w + x) * 3 + 3));
  }
  return out;
}

const RED: Colour = [255, 0, 0];
const GREEN: Colour = [0, 255, 0];
const BLUE: Colour = [0, 0, 255];

let root: string;

beforeAll(async () => {
  root = tempDir();
  mkdirs(root, ["train/cat", "train/dog", "val/cat", "val/dog"]);
  await Promise.all([
    solid(join(root, "train/cat/c1.png"), 12, 10, RED),
    solid(join(root, "train/cat/c2.jpg"), 10, 14, RED),
    solid(join(root, "train/cat/c3.webp"), 9, 9, RED),
    noise(join(root, "train/dog/d1.png"), 16, 12, 1),
    solid(join(root, "train/dog/d2.jpeg"), 20, 10, GREEN),
    noise(join(root, "train/dog/d3.png"), 11, 17, 2),
    solid(join(root, "val/cat/v1.png"), 8, 8, BLUE),
    solid(join(root, "val/dog/v2.JPG"), 30, 20, GREEN),
  ]);
  writeFileSync(join(root, "train/cat/notes.txt"), "not an image, ignored");
});

describe("image folders", () => {
  it("lists sorted classes and files, decodes to the input size as float32 / 255", async () => {
    const ds = await openDataSource(`folder:${root}`, { imageSize: [8, 8] });
    expect(ds.name).toBe(`folder:${root}`);
    expect(ds.classes).toEqual(["cat", "dog"]);
    expect(ds.shape).toEqual([8, 8, 3]);
    expect([ds.train.size, ds.test.size]).toEqual([6, 2]);

    const [b] = await batchesOf(ds.train, { batchSize: 10 });
    expect(b.n).toBe(6);
    expect(Array.from(b.y)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(b.x.length).toBe(6 * 192);
    // c1.png: solid red, lossless.
    expect(example(b, 0)).toEqual(new Array(64).fill([1, 0, 0]).flat());
    // c2.jpg, d2.jpeg: lossy but close.
    for (const [k, c] of [
      [1, RED],
      [4, GREEN],
    ] as const) {
      example(b, k).forEach((v, i) => expect(Math.abs(v - c[i % 3] / 255)).toBeLessThan(0.03));
    }
    const [val] = await batchesOf(ds.test, { batchSize: 10 });
    expect(Array.from(val.y)).toEqual([0, 1]);
    expect(example(val, 0)).toEqual(new Array(64).fill([0, 0, 1]).flat());
  });

  it("defaults to 224x224", async () => {
    const ds = await openDataSource(root);
    expect(ds.shape).toEqual([224, 224, 3]);
    const [b] = await batchesOf(ds.test, { batchSize: 1 });
    expect(b.x.length).toBe(224 * 224 * 3);
  });

  it("flips exactly the examples whose draw says so", async () => {
    const ds = await openDataSource(`folder:${root}`, { imageSize: [8, 8] });
    const flipOnly: Augmentation = { pad: 0, randomCrop: 0, flip: true, scale: null };
    const [plain] = await batchesOf(ds.train, { batchSize: 6 });
    const [aug] = await batchesOf(ds.train, { batchSize: 6, augment: flipOnly, rng: new Rng(1) });
    const r = new Rng(1);
    const flips = Array.from({ length: 6 }, () => r.next() < 0.5);
    expect(flips).toContain(true);
    expect(flips).toContain(false);
    // d1.png (k = 3) is noise and this seed flips it: the flip shows.
    expect(flips[3]).toBe(true);
    expect(example(aug, 3)).not.toEqual(example(plain, 3));
    flips.forEach((f, k) => {
      expect(example(aug, k)).toEqual(f ? mirror(example(plain, k)) : example(plain, k));
    });
  });

  it("scale + crop + flip augmentation is deterministic and resumes exactly", async () => {
    const ds = await openDataSource(`folder:${root}`, { imageSize: [8, 8] });
    const aug: Augmentation = { pad: 0, randomCrop: 8, flip: true, scale: [9, 14] };
    const run = (skipBatches = 0) =>
      batchesOf(ds.train, {
        batchSize: 2,
        shuffle: true,
        augment: aug,
        rng: new Rng(8),
        skipBatches,
      });
    const a = await run();
    expect(a.map((b) => b.n)).toEqual([2, 2, 2]);
    expect(await run()).toEqual(a);
    expect(await run(1)).toEqual(a.slice(1));
    expect(await run(3)).toEqual([]);
    const other = await batchesOf(ds.train, {
      batchSize: 2,
      shuffle: true,
      augment: aug,
      rng: new Rng(9),
    });
    expect(other).not.toEqual(a);
  });

  it("subtracts the mean and computes it per pixel over the split", async () => {
    const dir = tempDir();
    mkdirs(dir, ["train/a", "train/b", "val/a", "val/b"]);
    await Promise.all([
      solid(join(dir, "train/a/1.png"), 8, 8, RED),
      solid(join(dir, "train/b/1.png"), 9, 12, BLUE),
      solid(join(dir, "val/a/1.png"), 8, 8, RED),
      solid(join(dir, "val/b/1.png"), 8, 8, GREEN),
    ]);
    const ds = await openDataSource(`folder:${dir}`, { imageSize: [4, 4] });
    const mean = await ds.train.mean();
    expect(Array.from(mean)).toEqual(new Array(16).fill([0.5, 0, 0.5]).flat());
    expect(await ds.train.mean()).toBe(mean);
    expect(Array.from(await ds.test.mean())).toEqual(new Array(16).fill([0.5, 0.5, 0]).flat());
    const [b] = await batchesOf(ds.test, { batchSize: 2, mean });
    expect(example(b, 0, 48)).toEqual(new Array(16).fill([0.5, 0, -0.5]).flat());
    expect(example(b, 1, 48)).toEqual(new Array(16).fill([-0.5, 1, -0.5]).flat());
    expect(() => ds.test.batches(options({ mean: new Float32Array(5) }))).toThrow(
      "folder: the per-pixel mean has 5 values, expected 48 (4x4x3)",
    );
    expect(() =>
      ds.train.batches(options({ augment: { pad: 0, randomCrop: 224, flip: false, scale: null } })),
    ).toThrow("folder: augment.randomCrop 224 does not match the 4x4 input size; use 4 or 0");
  });

  it("turns greyscale images into three equal channels", async () => {
    const dir = tempDir();
    mkdirs(dir, ["train/g", "val/g"]);
    const grey = Uint8Array.from({ length: 36 }, (_, i) => i * 7);
    for (const split of ["train", "val"]) {
      await sharp(grey, { raw: { width: 6, height: 6, channels: 1 } })
        .png()
        .toFile(join(dir, split, "g/x.png"));
    }
    const ds = await openDataSource(`folder:${dir}`, { imageSize: [6, 6] });
    const [b] = await batchesOf(ds.train, { batchSize: 1 });
    expect(b.x.length).toBe(6 * 6 * 3);
    for (let p = 0; p < 36; p++) {
      expect(b.x[3 * p]).toBe(b.x[3 * p + 1]);
      expect(b.x[3 * p]).toBe(b.x[3 * p + 2]);
    }
  });
});

describe("corrupt images", () => {
  let dir: string;
  let bad: string;
  let truncated: string;

  beforeAll(async () => {
    dir = tempDir();
    mkdirs(dir, ["train/a", "train/b", "val/a", "val/b"]);
    await Promise.all([
      solid(join(dir, "train/a/1.png"), 8, 8, RED),
      solid(join(dir, "train/a/3.png"), 8, 8, RED),
      solid(join(dir, "train/b/1.jpg"), 8, 8, BLUE),
      solid(join(dir, "val/a/1.png"), 8, 8, RED),
      solid(join(dir, "val/b/1.png"), 8, 8, BLUE),
    ]);
    bad = join(dir, "train/a/2.png");
    writeFileSync(bad, "this is not a PNG");
    truncated = join(dir, "train/b/2.jpg");
    await solid(truncated, 64, 48, GREEN);
    const jpeg = readFileSync(truncated);
    writeFileSync(truncated, jpeg.subarray(0, jpeg.length >> 1));
  });

  it("stop (the default): a DataError naming the file and sharp's reason", async () => {
    const ds = await openDataSource(`folder:${dir}`, { imageSize: [4, 4] });
    const err = await collect(ds.train.batches(options({ batchSize: 1 }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(
      `folder: cannot decode image ${bad}: Input file contains unsupported image format`,
    );
    expect((err as DataError).file).toBe(bad);
  });

  it("stop: names a truncated JPEG with sharp's reason on one line", async () => {
    const ds = await openDataSource(`folder:${dir}`, { imageSize: [4, 4] });
    // Batch 2 is [3.png, 1.jpg], batch 3 [2.jpg].
    const it = ds.train.batches(options({ batchSize: 2, skipBatches: 1 }))[Symbol.asyncIterator]();
    expect((await it.next()).value.n).toBe(2);
    const err = await it.next().catch((e: unknown) => e);
    expect((err as DataError).message).toMatch(
      new RegExp(
        // sharp sometimes adds libvips' further detail after "; ", sometimes not (seen under load).
        `^folder: cannot decode image ${truncated}: Input file has corrupt header: VipsJpeg: premature end of JPEG image(;|$)`,
      ),
    );
    expect((err as DataError).message).not.toContain("\n");
  });

  it("skip: warns once, naming the file, and leaves the image out", async () => {
    const warnings: string[] = [];
    const ds = await openDataSource(`folder:${dir}`, {
      imageSize: [4, 4],
      corrupt: "skip",
      onWarning: (m) => warnings.push(m),
    });
    expect(ds.train.size).toBe(5);
    const batches = await batchesOf(ds.train, { batchSize: 2 });
    // [1.png, 2.png (bad)] -> 1 image; [3.png, b/1.jpg] -> 2; [b/2.jpg (truncated)] -> none, not produced.
    expect(batches.map((b) => b.n)).toEqual([1, 2]);
    expect(batches.flatMap((b) => Array.from(b.y))).toEqual([0, 0, 1]);
    expect(batches[0].x.length).toBe(48);
    expect(example(batches[0], 0, 48)).toEqual(new Array(16).fill([1, 0, 0]).flat());
    example(batches[1], 1, 48).forEach((v, i) =>
      expect(Math.abs(v - [0, 0, 1][i % 3])).toBeLessThan(0.03),
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toBe(
      `folder: skipping corrupt image ${bad}: Input file contains unsupported image format`,
    );
    expect(warnings[1]).toMatch(new RegExp(`^folder: skipping corrupt image ${truncated}: `));
    await batchesOf(ds.train, { batchSize: 2 });
    expect(warnings).toHaveLength(2);
    expect((await ds.train.mean()).length).toBe(48);
  });
});

describe("folder layout errors", () => {
  async function layout(dirs: string[]): Promise<string> {
    const dir = tempDir();
    mkdirs(dir, dirs);
    await Promise.all(
      dirs
        .filter((d) => d.split("/").length === 2)
        .map((d) => solid(join(dir, d, "x.png"), 4, 4, RED)),
    );
    return dir;
  }

  it("val classes must be train's", async () => {
    const dir = await layout(["train/cat", "train/dog", "val/cat", "val/bird"]);
    await expect(openDataSource(`folder:${dir}`)).rejects.toThrow(
      `folder: the classes of ${join(dir, "val")} differ from those of ${join(dir, "train")} (missing in val: dog; not in train: bird)`,
    );
  });

  it("an empty class folder", async () => {
    const dir = await layout(["train/cat", "train/dog", "val/cat", "val/dog"]);
    rmSync(join(dir, "train/dog/x.png"));
    writeFileSync(join(dir, "train/dog/readme.md"), "");
    await expect(openDataSource(`folder:${dir}`)).rejects.toThrow(
      `folder: class folder ${join(dir, "train/dog")} has no .jpg, .jpeg, .png, .webp images`,
    );
  });

  it("no class folders, no val/", async () => {
    const dir = await layout(["train", "val/cat"]);
    await expect(openDataSource(`folder:${dir}`)).rejects.toThrow(
      `folder: ${join(dir, "train")} has no class subfolders; expected one subfolder of .jpg, .jpeg, .png, .webp images per class`,
    );
    const noVal = await layout(["train/cat"]);
    await expect(openDataSource(`folder:${noVal}`)).rejects.toThrow(
      `folder: ${noVal} has no val/ subfolder; expected ${noVal} to hold train/<class>/ and val/<class>/ folders of .jpg, .jpeg, .png, .webp images`,
    );
  });
});

describe("prefetched", () => {
  it("keeps order, runs at most ahead + 1 items, and stops starting when the consumer stops", async () => {
    const started: number[] = [];
    const make = async (i: number) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, (7 * i) % 5));
      return i;
    };
    const seen: number[] = [];
    for await (const v of prefetched(2, 9, make, 2)) {
      seen.push(v);
      expect(started.length).toBeLessThanOrEqual(Math.min(7, seen.length + 2));
      if (v === 2) expect(started).toEqual([2, 3, 4]);
    }
    expect(seen).toEqual([2, 3, 4, 5, 6, 7, 8]);

    started.length = 0;
    for await (const v of prefetched(0, 100, make, 2)) if (v === 1) break;
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it("throws a failed item in its turn, after the earlier ones", async () => {
    const seen: number[] = [];
    const make = async (i: number) => {
      if (i === 2) throw new Error("item 2");
      return i;
    };
    await expect(
      (async () => {
        for await (const v of prefetched(0, 5, make)) seen.push(v);
      })(),
    ).rejects.toThrow("item 2");
    expect(seen).toEqual([0, 1]);
  });
});
