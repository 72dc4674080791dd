import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDataSource } from "../../../runtime/data/open.js";
import { MNIST_TEST_SIZE, MNIST_TRAIN_SIZE } from "../../../runtime/data/mnist.js";
import { Rng } from "../../../runtime/rng.js";
import { batchesOf } from "./fixtures.js";

const digits = join(
  dirname(createRequire(import.meta.url).resolve("mnist/package.json")),
  "src/digits",
);

describe("mnist", () => {
  it("has 9,000 train and 1,000 test 28x28x1 digits, classes 0..9", async () => {
    const ds = await openDataSource("mnist");
    expect(ds.name).toBe("mnist");
    expect(ds.shape).toEqual([28, 28, 1]);
    expect(ds.classes).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect([ds.train.size, ds.test.size]).toEqual([MNIST_TRAIN_SIZE, MNIST_TEST_SIZE]);
    expect([MNIST_TRAIN_SIZE, MNIST_TEST_SIZE]).toEqual([9000, 1000]);
  });

  it("gives float32 values in [0, 1] and every class in both splits", async () => {
    const ds = await openDataSource("mnist");
    for (const split of [ds.train, ds.test]) {
      const batches = await batchesOf(split, { batchSize: 512 });
      expect(batches.reduce((n, b) => n + b.n, 0)).toBe(split.size);
      const counts = new Array(10).fill(0);
      let min = Infinity;
      let max = -Infinity;
      for (const b of batches) {
        expect(b.x).toBeInstanceOf(Float32Array);
        expect(b.x.length).toBe(b.n * 784);
        for (const v of b.x) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        for (const y of b.y) counts[y]++;
      }
      expect([min, max]).toEqual([0, 1]);
      for (const c of counts) expect(c).toBeGreaterThan(split.size / 20);
    }
  });

  it("splits deterministically: every tenth digit in file order is a test digit", async () => {
    const ds = await openDataSource("mnist");
    const zeros = JSON.parse(readFileSync(join(digits, "0.json"), "utf8")).data as number[];
    const [train] = await batchesOf(ds.train, { batchSize: 9 });
    const [test] = await batchesOf(ds.test, { batchSize: 1 });
    // Digits 0..8 of 0.json are the first train examples, digit 9 the first test example.
    expect(Array.from(train.y)).toEqual(new Array(9).fill(0));
    for (let k = 0; k < 9; k++) {
      const got = Array.from(train.x.subarray(k * 784, (k + 1) * 784), (v) => +v.toFixed(3));
      expect(got).toEqual(zeros.slice(k * 784, (k + 1) * 784));
    }
    expect(Array.from(test.x, (v) => +v.toFixed(3))).toEqual(zeros.slice(9 * 784, 10 * 784));
    // Values are grey levels / 255.
    expect(Array.from(test.x).every((v) => Number.isInteger(Math.round(v * 255 * 1e4) / 1e4))).toBe(
      true,
    );
  });

  it("is decoded once per process and shuffles reproducibly", async () => {
    const t = Date.now();
    const ds = await openDataSource("mnist");
    expect(Date.now() - t).toBeLessThan(50);
    const aug = { pad: 4, randomCrop: 28, flip: false, scale: null };
    const opts = { batchSize: 1000, shuffle: true, augment: aug };
    const a = await batchesOf(ds.train, { ...opts, rng: new Rng(2) });
    const b = await batchesOf(ds.train, { ...opts, rng: new Rng(2) });
    expect(a.length).toBe(9);
    expect(Buffer.from(a[3].x.buffer).equals(Buffer.from(b[3].x.buffer))).toBe(true);
    expect(Array.from(a[3].y)).toEqual(Array.from(b[3].y));
  });
});
