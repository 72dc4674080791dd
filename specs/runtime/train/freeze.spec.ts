// Frozen layers (fine-tuning): training leaves a frozen layer's weights and batch-norm statistics
// exactly as they were, in this thread and over worker threads, while the rest of the net learns.
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { freezeLayers } from "../../../runtime/train/freeze.js";
import { train } from "../../../runtime/train/train.js";
import { memoryData, recipe, tinyNet, useCpu } from "./helpers.js";

beforeAll(useCpu);

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-freeze-"));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

const FROZEN = new Set(["conv1", "bn1", "block_conv1", "block_bn1"]);

function byLayer(model: ReturnType<typeof tinyNet>): Map<string, Float32Array[]> {
  return new Map(
    model.layers.map((l) => [
      l.name,
      l.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array)),
    ]),
  );
}

async function trainFrozen(workers: number) {
  const model = tinyNet({ seed: 4 });
  // Non-trivial statistics, so that a batch-mode pass would visibly move them.
  for (const w of model.weights) {
    if (!/moving_(mean|variance)$/.test(w.originalName)) continue;
    const v = (w.read().dataSync() as Float32Array).map((x, i) => (x + 0.3) * (1 + (i % 3) / 2));
    w.write(tf.tensor(v, w.shape as number[]));
  }
  expect(freezeLayers(model, FROZEN)).toBe(4);
  const before = byLayer(model);
  await train({
    model,
    data: memoryData({ n: 24, testN: 8, seed: 3 }),
    recipe: recipe({ batchSize: 8, epochs: 1 }),
    outDir: path.join(root, `w${workers}`),
    seed: 1,
    resume: false,
    log: () => {},
    ...(workers > 1 ? { parallel: { workers, backend: "cpu", layerModules: [] } } : {}),
  });
  return { before, after: byLayer(model), model };
}

describe("frozen layers", () => {
  for (const workers of [1, 3]) {
    it(`keep their weights and BN statistics bit for bit, the others learn (workers ${workers})`, async () => {
      const { before, after, model } = await trainFrozen(workers);
      for (const [name, ws] of before) {
        const now = after.get(name)!;
        const same = ws.every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(now[i]!.buffer)));
        expect(same, name).toBe(FROZEN.has(name) || ws.length === 0);
      }
      expect(model.trainableWeights.map((w) => w.originalName)).toEqual([
        "block_conv2/kernel",
        "block_bn2/gamma",
        "block_bn2/beta",
        "logits/kernel",
        "logits/bias",
      ]);
    });
  }
});
