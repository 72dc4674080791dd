import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { atomicFs } from "../../../runtime/io/atomic.js";
import { ModelIOError } from "../../../runtime/io/errors.js";
import { readMean } from "../../../runtime/io/mean.js";
import { loadLayersModel, saveLayersModel } from "../../../runtime/io/model-io.js";
import { Rng } from "../../../runtime/rng.js";
import { predict } from "../../../runtime/train/evaluate.js";
import { tinyNet, useCpu, weightValues } from "../train/helpers.js";

beforeAll(useCpu);

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-model-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fsp.rm(root, { recursive: true, force: true });
});

function images(n: number, seed = 3): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n * 8 * 8 * 3 }, () => r.next());
}

/** A net whose BN moving statistics are not the initial 0/1, so that losing them would show. */
function trainedLookingNet() {
  const m = tinyNet({ seed: 5 });
  const r = new Rng(9);
  for (const w of m.weights) {
    if (/moving_(mean|variance)$/.test(w.originalName)) {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const values = Float32Array.from({ length: n }, () => 0.5 + r.next());
      tf.tidy(() => {
        w.write(tf.tensor(values, w.shape as number[]));
      });
    }
  }
  return m;
}

describe("model I/O", () => {
  it("save -> load gives identical weights and predictions, with the mean and extra files beside it", async () => {
    const model = trainedLookingNet();
    const dir = path.join(root, "model");
    const mean = Float32Array.from({ length: 8 * 8 * 3 }, (_, i) => i / 1000);
    await saveLayersModel(model, dir, {
      mean: { values: mean, shape: [8, 8, 3] },
      files: { "net.resnet": "net { }\n" },
    });
    expect((await fsp.readdir(dir)).sort()).toEqual([
      "mean.json",
      "model.json",
      "net.resnet",
      "weights.bin",
    ]);
    expect(await fsp.readFile(path.join(dir, "net.resnet"), "utf8")).toBe("net { }\n");
    expect((await readMean(dir))!.mean).toEqual(mean);

    const loaded = await loadLayersModel(dir);
    expect(weightValues(loaded)).toEqual(weightValues(model));
    const x = images(5);
    const a = await predict(model, x, { mean });
    const b = await predict(loaded, x, { mean });
    expect(b.map((p) => p.probabilities)).toEqual(a.map((p) => p.probabilities));
    expect(b.map((p) => p.label)).toEqual(a.map((p) => p.label));
    expect(a[0]!.top).toHaveLength(4);
    expect(a[0]!.top[0]!.label).toBe(a[0]!.label);
    expect(loaded.getLayer("logits")).toBeDefined();
    expect((await fsp.readdir(root)).sort()).toEqual(["model"]); // no temp directories left
  });

  it("replaces an existing model directory; a failed swap leaves the old one intact", async () => {
    const dir = path.join(root, "model");
    const first = tinyNet({ seed: 1 });
    await saveLayersModel(first, dir, { files: { "note.txt": "first" } });
    const second = tinyNet({ seed: 2 });
    vi.spyOn(atomicFs, "rename").mockRejectedValue(new Error("simulated crash"));
    await expect(saveLayersModel(second, dir, { files: { "note.txt": "second" } })).rejects.toThrow(
      "simulated crash",
    );
    vi.restoreAllMocks();
    expect(await fsp.readFile(path.join(dir, "note.txt"), "utf8")).toBe("first");
    expect(weightValues(await loadLayersModel(dir))).toEqual(weightValues(first));
    expect(await fsp.readdir(root)).toEqual(["model"]);

    await saveLayersModel(second, dir, { files: { "note.txt": "second" } });
    expect(await fsp.readFile(path.join(dir, "note.txt"), "utf8")).toBe("second");
    expect(weightValues(await loadLayersModel(dir))).toEqual(weightValues(second));
    expect(await fsp.readdir(root)).toEqual(["model"]);
  });

  it("missing or corrupt model files: errors naming the file", async () => {
    const dir = path.join(root, "model");
    await expect(loadLayersModel(dir)).rejects.toThrow(
      `no saved model at ${dir}: ${path.join(dir, "model.json")} does not exist`,
    );
    await saveLayersModel(tinyNet(), dir);
    const bin = path.join(dir, "weights.bin");
    const data = await fsp.readFile(bin);
    await fsp.writeFile(bin, data.subarray(0, 100));
    const err = await loadLayersModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelIOError);
    expect((err as ModelIOError).file).toBe(bin);
    expect((err as Error).message).toBe(
      `${bin}: holds 100 bytes but ${path.join(dir, "model.json")} describes ${data.length}; the weights are truncated or corrupt`,
    );
    await fsp.writeFile(path.join(dir, "model.json"), '{"modelTopology": ');
    await expect(loadLayersModel(dir)).rejects.toThrow(
      new RegExp(`^${path.join(dir, "model.json").replace(/[.]/g, "\\.")}: not valid JSON`),
    );
  });

  it("refuses extra file names that are paths or reserved", async () => {
    await expect(
      saveLayersModel(tinyNet(), path.join(root, "m"), { files: { "../x": "" } }),
    ).rejects.toThrow(/not a plain file name/);
    await expect(
      saveLayersModel(tinyNet(), path.join(root, "m"), { files: { "model.json": "" } }),
    ).rejects.toThrow(/reserved/);
  });
});
