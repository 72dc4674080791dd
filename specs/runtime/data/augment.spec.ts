import { describe, expect, it } from "vitest";
import type { Augmentation } from "../../../compiler/recipe.js";
import { arraySplit, type ArrayData } from "../../../runtime/data/array-split.js";
import { cropOffset, geometry, planExample, renderExample } from "../../../runtime/data/augment.js";
import { planEpoch } from "../../../runtime/data/epoch.js";
import { Rng } from "../../../runtime/rng.js";
import { batchesOf, NO_AUG } from "./fixtures.js";

const CIFAR_AUG: Augmentation = { pad: 4, randomCrop: 32, flip: true, scale: null };
const f = Math.fround;

describe("renderExample", () => {
  // 3x3, one channel: 10 20 30 / 40 50 60 / 70 80 90.
  const img = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90]);

  function render(pad: number, cropY: number, cropX: number, flip: boolean, mean?: Float32Array) {
    const g = geometry({ scale: 0, cropY, cropX, flip }, pad, 3, 3, 1, 3, 3);
    const out = new Float32Array(9);
    renderExample(img, 0, g, out, 0, mean ?? null, "source");
    return { g, out: Array.from(out, (v) => Math.round(v * 255 * 1e4) / 1e4) };
  }

  it("without augmentation copies the image scaled to [0, 1]", () => {
    const { out } = render(0, NaN, NaN, false);
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it("zero-pads, crops at the drawn offset and mirrors", () => {
    // Padded by 1 to 5x5; offsets 0..2. cropY 0 -> row 0, cropX 0.7 -> column floor(0.7*3) = 2.
    const crop = render(1, 0, 0.7, false);
    expect([crop.g.dy, crop.g.dx]).toEqual([0, 2]);
    expect(crop.out).toEqual([0, 0, 0, 20, 30, 0, 50, 60, 0]);
    const flipped = render(1, 0, 0.7, true);
    expect(flipped.out).toEqual([0, 0, 0, 0, 30, 20, 0, 60, 50]);
    // Bottom-left corner of the padded image.
    expect(render(1, 0.99, 0, false).out).toEqual([0, 40, 50, 0, 70, 80, 0, 0, 0]);
    // Centre crop of the padded image is the image itself.
    expect(render(1, NaN, NaN, false).out).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it("subtracts the per-pixel mean before padding (padding stays 0)", () => {
    const mean = Float32Array.from({ length: 9 }, (_, i) => i / 100);
    const g = geometry({ scale: 0, cropY: 0, cropX: 0.7, flip: true }, 1, 3, 3, 1, 3, 3);
    const out = new Float32Array(9);
    renderExample(img, 0, g, out, 0, mean, "source");
    // Output row 1 is [pad, src(0,2), src(0,1)], row 2 [pad, src(1,2), src(1,1)].
    const v = (i: number) => f(img[i] / 255 - mean[i]);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, v(2), v(1), 0, v(5), v(4)]);
  });

  it("indexes the mean by output position when asked (image folders)", () => {
    const mean = Float32Array.from({ length: 9 }, (_, i) => i / 100);
    const g = geometry({ scale: 0, cropY: NaN, cropX: NaN, flip: true }, 0, 3, 3, 1, 3, 3);
    const out = new Float32Array(9);
    renderExample(img, 0, g, out, 0, mean, "output");
    const src = [2, 1, 0, 5, 4, 3, 8, 7, 6];
    expect(Array.from(out)).toEqual(src.map((s, o) => f(img[s] / 255 - mean[o])));
  });

  it("moves all channels of a pixel together", () => {
    // 1x2 RGB image, flipped: pixels swap, channels keep their order.
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const g = geometry({ scale: 0, cropY: NaN, cropX: NaN, flip: true }, 0, 1, 2, 3, 1, 2);
    const out = new Float32Array(6);
    renderExample(rgb, 0, g, out, 0, null, "source");
    expect(Array.from(out, (v) => Math.round(v * 255))).toEqual([4, 5, 6, 1, 2, 3]);
  });
});

describe("planExample", () => {
  it("draws scale, crop rows, crop columns, flip, in that order, only when enabled", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const p = planExample({ pad: 0, randomCrop: 224, flip: true, scale: [256, 480] }, a);
    expect(p.scale).toBe(b.int(256, 480));
    expect(p.cropY).toBe(b.next());
    expect(p.cropX).toBe(b.next());
    expect(p.flip).toBe(b.next() < 0.5);
    expect(a.getState()).toEqual(b.getState());

    const c = new Rng(7);
    expect(planExample(null, c)).toEqual({ scale: 0, cropY: NaN, cropX: NaN, flip: false });
    expect(planExample(NO_AUG, c).flip).toBe(false);
    expect(c.getState()).toEqual(new Rng(7).getState());
    planExample({ ...NO_AUG, flip: true }, c);
    const d = new Rng(7);
    d.next();
    expect(c.getState()).toEqual(d.getState());
  });

  it("cropOffset covers every offset and centres on NaN", () => {
    expect(cropOffset(0, 8)).toBe(0);
    expect(cropOffset(0.999999, 8)).toBe(8);
    expect(cropOffset(0.5, 8)).toBe(4);
    expect(cropOffset(NaN, 8)).toBe(4);
    expect(cropOffset(NaN, 3)).toBe(1);
    const seen = new Set<number>();
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) seen.add(cropOffset(rng.next(), 8));
    expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

// A small in-memory split of 10 examples, 5x5x2, pixel bytes a function of (example, position).
function tinyData(): ArrayData {
  const n = 10;
  const pixels = new Uint8Array(n * 50);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + (i >> 3)) & 255;
  return { pixels, labels: Int32Array.from({ length: n }, (_, i) => i), shape: [5, 5, 2] };
}

/** Independent reference: build the padded image, slice the window, reverse the rows if flipped. */
function reference(
  data: ArrayData,
  i: number,
  pad: number,
  dy: number,
  dx: number,
  flip: boolean,
  mean: Float32Array | null,
): number[] {
  const [h, w, c] = data.shape;
  const P = h + 2 * pad;
  const padded: number[][][] = Array.from({ length: P }, () =>
    Array.from({ length: w + 2 * pad }, () => new Array<number>(c).fill(0)),
  );
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        const j = (y * w + x) * c + k;
        const v = data.pixels[i * h * w * c + j] / 255;
        padded[y + pad][x + pad][k] = mean === null ? v : v - mean[j];
      }
    }
  }
  let rows = padded.slice(dy, dy + h).map((r) => r.slice(dx, dx + w));
  if (flip) rows = rows.map((r) => [...r].reverse());
  return rows.flat(2).map(f);
}

describe("batches of an in-memory split", () => {
  const data = tinyData();
  const split = arraySplit(data, "tiny");
  const aug: Augmentation = { pad: 2, randomCrop: 5, flip: true, scale: null };

  it("keeps the order without shuffle and includes the last short batch", async () => {
    const batches = await batchesOf(split, { batchSize: 4 });
    expect(batches.map((b) => b.n)).toEqual([4, 4, 2]);
    expect(batches.flatMap((b) => Array.from(b.y))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches[2].x.length).toBe(2 * 50);
    expect(Array.from(batches[2].x.subarray(0, 50))).toEqual(
      reference(data, 8, 0, 0, 0, false, null),
    );
  });

  it("shuffles with Fisher-Yates driven by the rng", async () => {
    const batches = await batchesOf(split, { batchSize: 3, shuffle: true, rng: new Rng(5) });
    const order = batches.flatMap((b) => Array.from(b.y));
    expect(order).toEqual(Array.from(new Rng(5).shuffle(Int32Array.from(data.labels))));
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("pads, crops and flips each example as its drawn numbers say", async () => {
    const mean = await split.mean();
    const batches = await batchesOf(split, {
      batchSize: 4,
      shuffle: true,
      augment: aug,
      rng: new Rng(11),
      mean,
    });
    // Replay the draws: shuffle, then per example crop rows, crop columns, flip.
    const r = new Rng(11);
    const order = r.shuffle(Array.from({ length: 10 }, (_, i) => i));
    const flat = batches.flatMap((b) =>
      Array.from({ length: b.n }, (_, k) => b.x.slice(k * 50, (k + 1) * 50)),
    );
    let flips = 0;
    order.forEach((i, p) => {
      const dy = Math.floor(r.next() * 5);
      const dx = Math.floor(r.next() * 5);
      const flip = r.next() < 0.5;
      flips += flip ? 1 : 0;
      expect(Array.from(flat[p])).toEqual(reference(data, i, 2, dy, dx, flip, mean));
    });
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(10);
  });

  it("is deterministic for a given rng state, and differs for another", async () => {
    const run = (seed: number) =>
      batchesOf(split, { batchSize: 3, shuffle: true, augment: aug, rng: new Rng(seed) });
    expect(await run(42)).toEqual(await run(42));
    expect(await run(42)).not.toEqual(await run(43));
  });

  it("skipBatches gives exactly the un-skipped run's later batches and the same rng state", async () => {
    for (const skip of [0, 1, 2, 3, 4, 9]) {
      const a = new Rng(99);
      const b = new Rng(99);
      const opts = { batchSize: 3, shuffle: true, augment: aug, mean: null };
      const full = await batchesOf(split, { ...opts, rng: a });
      const resumed = await batchesOf(split, { ...opts, rng: b, skipBatches: skip });
      expect(resumed).toEqual(full.slice(skip));
      expect(b.getState()).toEqual(a.getState());
    }
  });

  it("draws the whole epoch's numbers when batches() is called", () => {
    const a = new Rng(3);
    split.batches({ batchSize: 3, shuffle: true, augment: aug, rng: a, mean: null });
    const b = new Rng(3);
    planEpoch(10, { batchSize: 3, shuffle: true, augment: aug, rng: b, mean: null });
    expect(a.getState()).toEqual(b.getState());
    expect(a.getState()).not.toEqual(new Rng(3).getState());
  });

  it("mean() is the per-pixel mean over the split, cached", async () => {
    const mean = await split.mean();
    expect(mean.length).toBe(50);
    for (const j of [0, 17, 49]) {
      let s = 0;
      for (let i = 0; i < 10; i++) s += data.pixels[i * 50 + j] / 255;
      expect(mean[j]).toBe(f(s / 10));
    }
    expect(await split.mean()).toBe(mean);
  });

  it("subtracts the mean without augmentation", async () => {
    const mean = await split.mean();
    const [b] = await batchesOf(split, { batchSize: 10, mean });
    for (const j of [0, 123, 499]) expect(b.x[j]).toBe(f(data.pixels[j] / 255 - mean[j % 50]));
  });

  it("rejects options it cannot honour, naming the source", () => {
    const opts = { batchSize: 2, shuffle: false, rng: new Rng(1), mean: null };
    expect(() => split.batches({ ...opts, augment: { ...aug, randomCrop: 4 } })).toThrow(
      "tiny: augment.randomCrop 4 does not match the 5x5 images; use 5 (with pad, as in the paper) or 0",
    );
    expect(() => split.batches({ ...opts, augment: { ...aug, scale: [6, 8] } })).toThrow(
      "tiny: scale augmentation (augment.scale) needs an image-folder source; this one has fixed 5x5 images",
    );
    expect(() => split.batches({ ...opts, augment: null, mean: new Float32Array(3) })).toThrow(
      "tiny: the per-pixel mean has 3 values, expected 50 (5x5x2)",
    );
    expect(() => split.batches({ ...opts, augment: null, batchSize: 0 })).toThrow(
      "batchSize must be a positive integer, got 0",
    );
  });
});
