// Data-parallel training (runtime/train/parallel): a batch split over worker threads gives the
// share-weighted mean of what each share gives alone, batch norm's moving averages included; a
// worker that cannot start is a clear error; train() with workers learns and shuts its threads.
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import type { Batch } from "../../../runtime/data/types.js";
import { TrainError } from "../../../runtime/train/errors.js";
import { logitsModel } from "../../../runtime/train/evaluate.js";
import { layersForward } from "../../../runtime/train/gradients.js";
import { localStepper, parallelStepper, shares } from "../../../runtime/train/parallel/stepper.js";
import { autoWorkers } from "../../../runtime/train/parallel/workers.js";
import { train } from "../../../runtime/train/train.js";
import { memoryData, recipe, tinyNet, useCpu } from "./helpers.js";

beforeAll(useCpu);

const SHAPE: [number, number, number] = [8, 8, 3];
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).href;

function batchOf(n: number, seed = 5): Batch {
  let s = seed;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return {
    x: Float32Array.from({ length: n * 8 * 8 * 3 }, rand),
    y: Int32Array.from({ length: n }, (_, i) => (i * 3) % 4),
    n,
  };
}

function slice(b: Batch, from: number, n: number): Batch {
  const size = 8 * 8 * 3;
  return { x: b.x.slice(from * size, (from + n) * size), y: b.y.slice(from, from + n), n };
}

function trainableVars(model: ReturnType<typeof tinyNet>): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

const values = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));

describe("shares", () => {
  it("cuts a batch into nearly equal shares, larger first, never empty", () => {
    expect(shares(64, 2)).toEqual([32, 32]);
    expect(shares(10, 3)).toEqual([4, 3, 3]);
    expect(shares(7, 4)).toEqual([2, 2, 2, 1]);
    expect(shares(2, 4)).toEqual([1, 1]);
    expect(shares(1, 2)).toEqual([1]);
  });

  it("auto: one worker per core on wasm and cpu while shares keep 16 examples; one on GPUs", () => {
    expect(autoWorkers("wasm", 64, 2)).toBe(2);
    expect(autoWorkers("wasm", 128, 16)).toBe(8);
    expect(autoWorkers("cpu", 31, 2)).toBe(1);
    expect(autoWorkers("wasm", 8, 2)).toBe(1);
    expect(autoWorkers("webgpu", 256, 16)).toBe(1);
    expect(autoWorkers("gpu", 256, 16)).toBe(1);
  });
});

describe("parallelStepper", () => {
  it("gives the share-weighted mean of each share's loss, gradients and moving averages", async () => {
    const batch = batchOf(10);
    const sizes = shares(10, 3); // 4 + 3 + 3

    // Reference: one thread, each share alone from the same starting weights.
    const ref = tinyNet({ seed: 4 });
    const refVars = trainableVars(ref);
    const refState = ref.weights.filter((w) => !w.trainable).map((w) => w.read() as tf.Variable);
    const start = ref.weights.map((w) => w.read().clone());
    const local = localStepper(layersForward(logitsModel(ref)!), SHAPE, refVars);
    const wantGrads = refVars.map((v) => new Float32Array(v.size));
    const wantState = refState.map((v) => new Float32Array(v.size));
    let wantLoss = 0;
    let wantErrors = 0;
    let from = 0;
    for (const n of sizes) {
      ref.weights.forEach((w, i) => (w.read() as tf.Variable).assign(start[i]!));
      const g = await local.run(slice(batch, from, n));
      refVars.forEach((v, j) => {
        const d = g.grads[v.name]!.dataSync();
        for (let k = 0; k < d.length; k++) wantGrads[j]![k]! += (d[k]! * n) / 10;
      });
      values(refState).forEach((s, j) => {
        for (let k = 0; k < s.length; k++) wantState[j]![k]! += (s[k]! * n) / 10;
      });
      wantLoss += (g.loss * n) / 10;
      wantErrors += g.errors;
      tf.dispose(g.grads);
      from += n;
    }
    tf.dispose(start);

    const model = tinyNet({ seed: 4 });
    const vars = trainableVars(model);
    const par = await parallelStepper(model, layersForward(logitsModel(model)!), SHAPE, vars, {
      workers: 3,
      backend: "cpu",
      layerModules: [],
    });
    try {
      expect(par.workers).toBe(3);
      const g = await par.run(batch);
      expect(g.loss).toBeCloseTo(wantLoss, 5);
      expect(g.errors).toBe(wantErrors);
      vars.forEach((v, j) => {
        const got = g.grads[v.name]!.dataSync();
        for (let k = 0; k < got.length; k++) expect(got[k]).toBeCloseTo(wantGrads[j]![k]!, 5);
      });
      const state = model.weights.filter((w) => !w.trainable).map((w) => w.read() as tf.Variable);
      values(state).forEach((s, j) => {
        for (let k = 0; k < s.length; k++) expect(s[k]).toBeCloseTo(wantState[j]![k]!, 5);
      });
      // The moving averages really moved (the test would pass vacuously otherwise).
      expect(Math.max(...wantState.map((s) => Math.max(...s.map(Math.abs))))).toBeGreaterThan(0);
      tf.dispose(g.grads);
    } finally {
      await par.close();
    }
  });

  it("a batch smaller than the workers runs in this thread alone", async () => {
    const model = tinyNet({ seed: 4 });
    const par = await parallelStepper(
      model,
      layersForward(logitsModel(model)!),
      SHAPE,
      trainableVars(model),
      {
        workers: 2,
        backend: "cpu",
        layerModules: [],
      },
    );
    try {
      const g = await par.run(batchOf(1));
      expect(Number.isFinite(g.loss)).toBe(true);
      tf.dispose(g.grads);
    } finally {
      await par.close();
    }
  });

  it("a worker that cannot build the model is a clear error, and no thread is left running", async () => {
    const model = tinyNet({ seed: 4 });
    await expect(
      parallelStepper(model, layersForward(logitsModel(model)!), SHAPE, trainableVars(model), {
        workers: 2,
        backend: "cpu",
        layerModules: ["file:///nonexistent/resnetc-layers.js"],
      }),
    ).rejects.toThrow(/^worker 1 failed to start: .*nonexistent\/resnetc-layers\.js/);
  });

  it("a worker stuck in a step is stopped and the step fails: never a silent hang", async () => {
    const model = tinyNet({ seed: 4 });
    const par = await parallelStepper(
      model,
      layersForward(logitsModel(model)!),
      SHAPE,
      trainableVars(model),
      {
        workers: 2,
        backend: "cpu",
        layerModules: [fixture("broken-conv.mjs?hang")],
        stallSeconds: 1,
      },
    );
    try {
      await expect(par.run(batchOf(8))).rejects.toThrow(
        /^a worker thread gave no answer \d+\.\d s after this thread finished the same work, and was stopped \(stuck or out of memory\?\)$/,
      );
      // Its thread is gone: the next step fails at once instead of waiting.
      await expect(par.run(batchOf(8))).rejects.toThrow(/worker 1 was closed/);
    } finally {
      await par.close();
    }
  });

  it("train() stops with a TrainError naming the step when a worker fails in it", async () => {
    const root = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-parallel-"));
    try {
      await expect(
        train({
          model: tinyNet({ seed: 2 }),
          data: memoryData({ n: 16, testN: 8, seed: 3 }),
          recipe: recipe({ batchSize: 8, epochs: 1 }),
          outDir: root,
          seed: 1,
          resume: false,
          log: () => {},
          parallel: {
            workers: 2,
            backend: "cpu",
            layerModules: [fixture("broken-conv.mjs?throw")],
          },
        }),
      ).rejects.toThrow(
        new TrainError(
          "worker 1 failed in a training step: Aborted(OOM) in the test fixture, at epoch 1, iteration 1 " +
            "(--workers 1 trains without worker threads)",
          1,
          1,
        ),
      );
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });

  it("after close, a step fails instead of waiting", async () => {
    const model = tinyNet({ seed: 4 });
    const par = await parallelStepper(
      model,
      layersForward(logitsModel(model)!),
      SHAPE,
      trainableVars(model),
      {
        workers: 2,
        backend: "cpu",
        layerModules: [],
      },
    );
    await par.close();
    await expect(par.run(batchOf(4))).rejects.toThrow(/worker 1 was closed/);
  });
});

describe("train with workers", () => {
  let root: string;
  beforeEach(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-parallel-"));
  });
  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it("learns a small problem on two threads, deterministically", async () => {
    const run = async (dir: string, epochs: number) => {
      const r = await train({
        model: tinyNet({ seed: 2 }),
        data: memoryData({ n: 16, testN: 8, seed: 3 }),
        recipe: recipe({ batchSize: 16, lr: 0.1, weightDecay: 0, epochs }),
        outDir: path.join(root, dir),
        seed: 1,
        resume: false,
        log: () => {},
        parallel: { workers: 2, backend: "cpu", layerModules: [] },
      });
      return r.metrics;
    };
    const a = await run("a", 40);
    expect(a.at(-1)!.trainLoss).toBeLessThan(a[0]!.trainLoss / 3);
    const b = await run("b", 5);
    expect(b.map((m) => m.trainLoss)).toEqual(a.slice(0, 5).map((m) => m.trainLoss));
  });
});
