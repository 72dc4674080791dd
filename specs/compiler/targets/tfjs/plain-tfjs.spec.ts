// Every saved model loads in plain TensorFlow.js: a child process that imports only tfjs packages
// (fixtures/plain-tfjs-predict.mjs) loads a built model of every example, and the MNIST main job's
// trained model, and predicts what resnetc predicts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../../../compiler/check.js";
import { analyze } from "../../../../compiler/ir/analysis.js";
import { lower } from "../../../../compiler/targets/tfjs/lower.js";
import { loadLayersModel, saveLayersModel } from "../../../../runtime/io/model-io.js";
import { resnetc } from "../../../cli/run.js";

const CHILD = new URL("./fixtures/plain-tfjs-predict.mjs", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "resnetc-plain-tfjs-"));

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("wasm");
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const EXAMPLES = [
  "examples/imagenet/resnet.resnet",
  "examples/imagenet/resnet-v15.resnet",
  "examples/imagenet/plain.resnet",
  "examples/imagenet/shortcuts.resnet",
  "examples/imagenet/preact.resnet",
  "examples/cifar/resnet.resnet",
  "examples/cifar/plain.resnet",
  "examples/cifar/resnet110.resnet",
  "examples/degradation/resnet.resnet",
  "examples/degradation/plain.resnet",
  "examples/mnist/resnet.resnet",
];

function plainTfjs(dir: string, shape: number[], data: Float32Array) {
  const inputFile = join(dir, "..", `${dir.split("/").pop()}-input.json`);
  writeFileSync(inputFile, JSON.stringify({ shape, data: Array.from(data) }));
  const r = spawnSync(process.execPath, [CHILD, dir, inputFile], { encoding: "utf8" });
  expect(r.stderr.replace(/.*tfjs-node.*|=+|\s*Hi, looks.*/g, "").trim()).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { classes: number[]; probabilities: number[] };
}

async function resnetcPredicts(
  model: { predict: (x: tf.Tensor) => unknown },
  shape: number[],
  data: Float32Array,
) {
  const y = model.predict(tf.tensor(data, shape)) as tf.Tensor;
  return {
    classes: Array.from(await tf.argMax(y, -1).data()),
    probabilities: Array.from(await y.data()),
  };
}

function input(shape: number[]): Float32Array {
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) =>
    Math.sin(i * 0.7),
  );
}

function expectSame(a: { classes: number[]; probabilities: number[] }, b: typeof a) {
  expect(a.classes).toEqual(b.classes);
  expect(a.probabilities.length).toBe(b.probabilities.length);
  // The same backend (wasm, without resnetc's kernels) on both sides: the same numbers.
  a.probabilities.forEach((p, i) => expect(p).toBeCloseTo(b.probabilities[i]!, 6));
}

it("the child process imports tfjs packages and node built-ins only", () => {
  const src = readFileSync(CHILD, "utf8");
  const imports = [...src.matchAll(/^import .*?["']([^"']+)["']/gm)].map((m) => m[1]!);
  expect(imports.length).toBeGreaterThan(3);
  for (const m of imports)
    expect(m).toMatch(/^(@tensorflow\/tfjs-(core|layers|backend-wasm)|node:)/);
});

describe("a built model of every example loads in plain tfjs", () => {
  for (const file of EXAMPLES) {
    it(file, async () => {
      const r = checkFile(file);
      expect(r.ok).toBe(true);
      // The smallest network of the file keeps the spec fast.
      const g = r.graphs.reduce((a, b) => (analyze(b).params < analyze(a).params ? b : a));
      const model = lower(g, { seed: 1 });
      const dir = join(tmp, file.replace(/[/.]/g, "_"));
      await saveLayersModel(model, dir);
      const shape = [1, ...g.input];
      const x = input(shape);
      expectSame(plainTfjs(dir, shape, x), await resnetcPredicts(model, shape, x));
      model.dispose();
    });
  }
});

describe("the MNIST main job's trained model loads in plain tfjs", () => {
  it("resnetc train examples/mnist/resnet.resnet, a few iterations", async () => {
    const out = join(tmp, "mnist-run");
    const t = resnetc(
      [
        "train",
        "examples/mnist/resnet.resnet",
        "--iterations",
        "4",
        "--workers",
        "1",
        "--out",
        out,
      ],
      { env: { RESNETC_BACKEND: "wasm" } },
    );
    expect(t.code).toBe(0);
    const dir = join(out, "model");
    const model = await loadLayersModel(dir);
    const shape = [2, ...model.inputs[0]!.shape.slice(1)] as number[];
    const x = input(shape);
    expectSame(plainTfjs(dir, shape, x), await resnetcPredicts(model, shape, x));
  });
});
