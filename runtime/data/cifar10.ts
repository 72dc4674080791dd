// CIFAR-10, binary version (cifar-10-binary.tar.gz -> cifar-10-batches-bin/): data_batch_1.bin ..
// data_batch_5.bin (train) and test_batch.bin (test), each a run of 3,073-byte records: one label
// byte 0..9, then the 32x32 red plane, green plane and blue plane (1,024 bytes each, row-major).
// The files are read whole when the source is opened (train: 50,000 x 3,072 bytes = 150 MB) and
// reordered to HWC bytes; batches are converted to float32 / 255 one at a time.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { arraySplit, type ArrayData } from "./array-split.js";
import { DataError, type DataSource } from "./types.js";

export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = "test_batch.bin";
export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];
const RECORD = 3073;
const PLANE = 1024;
export const CIFAR10_EXPECTED =
  "data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the binary version of CIFAR-10)";

export interface Cifar10Options {
  onWarning?: (msg: string) => void;
}

/** Opens the CIFAR-10 binary files in `dir` (an absolute path); `name` is what the user asked for. */
export async function openCifar10(
  dir: string,
  name: string,
  opts: Cifar10Options = {},
): Promise<DataSource> {
  const files = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
  const sizes = await Promise.all(files.map((f) => fileSize(join(dir, f))));
  const missing = files.filter((_, i) => sizes[i] === null);
  if (missing.length > 0) {
    throw new DataError(
      `cifar10: ${dir} is missing ${missing.join(", ")}; expected ${CIFAR10_EXPECTED}`,
      join(dir, missing[0]),
    );
  }
  files.forEach((f, i) => checkSize(join(dir, f), sizes[i] as number));

  const [train, test] = await Promise.all([
    readRecords(CIFAR10_TRAIN_FILES.map((f) => join(dir, f))),
    readRecords([join(dir, CIFAR10_TEST_FILE)]),
  ]);
  return {
    name,
    shape: [32, 32, 3],
    classes: await classNames(dir, opts.onWarning),
    train: arraySplit(train, name),
    test: arraySplit(test, name),
  };
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

function checkSize(path: string, size: number): void {
  if (size === 0) {
    throw new DataError(`cifar10: ${path} is empty; expected 3073-byte CIFAR-10 records`, path);
  }
  if (size % RECORD !== 0) {
    throw new DataError(
      `cifar10: ${path} is ${size} bytes, not a multiple of 3073 (1 label byte + 3072 pixel bytes per record): truncated or not CIFAR-10 binary`,
      path,
    );
  }
}

/** Reads the records of `paths`, in order, into HWC bytes and labels. */
async function readRecords(paths: string[]): Promise<ArrayData> {
  const buffers = await Promise.all(
    paths.map((p) =>
      readFile(p).catch((e: Error) => {
        throw new DataError(`cifar10: cannot read ${p}: ${e.message}`, p);
      }),
    ),
  );
  const n = buffers.reduce((k, b) => k + b.length / RECORD, 0);
  const pixels = new Uint8Array(n * 3 * PLANE);
  const labels = new Int32Array(n);
  let i = 0;
  buffers.forEach((buf, f) => {
    // The size was checked, but the file may have changed since.
    checkSize(paths[f], buf.length);
    for (let r = 0; r < buf.length / RECORD; r++, i++) {
      const off = r * RECORD;
      const label = buf[off];
      if (label > 9) {
        throw new DataError(
          `cifar10: ${paths[f]} record ${r} (byte offset ${off}) has label ${label}; CIFAR-10 labels are 0..9`,
          paths[f],
        );
      }
      labels[i] = label;
      // Planes R, G, B -> interleaved HWC.
      const out = i * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        pixels[out + 3 * p] = buf[off + 1 + p];
        pixels[out + 3 * p + 1] = buf[off + 1 + PLANE + p];
        pixels[out + 3 * p + 2] = buf[off + 1 + 2 * PLANE + p];
      }
    }
  });
  return { pixels, labels, shape: [32, 32, 3] };
}

/** Class names from batches.meta.txt (one per line) if present and sensible, else the standard ones. */
async function classNames(dir: string, onWarning?: (msg: string) => void): Promise<string[]> {
  const path = join(dir, "batches.meta.txt");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return [...CIFAR10_CLASSES];
  }
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (names.length !== 10) {
    onWarning?.(
      `cifar10: ${path} has ${names.length} class names, expected 10; using the standard CIFAR-10 names`,
    );
    return [...CIFAR10_CLASSES];
  }
  return names;
}
