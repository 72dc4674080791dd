// The tfjs executor (compiler/targets/tfjs/exec/) computes what the layers model computes:
// inference on the unfused graph and on the graph after the inference passes (batch norm folded,
// ReLU and residual additions in the convs' epilogues), and a training step after the training
// pass (batch norm + add + ReLU fused): the same logits, the same gradients for every variable,
// the same moving averages afterwards. On the cpu backend, which has no fused kernels: the stock-op
// compositions; the wasm kernels are checked against these in specs/runtime/backends.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../../../compiler/check.js";
import { type IrGraph } from "../../../../compiler/ir/types.js";
import { INFERENCE_PASSES, runPasses, TRAINING_PASSES } from "../../../../compiler/passes/index.js";
import { inferenceFunction } from "../../../../compiler/targets/tfjs/exec/inference.js";
import { trainingForward } from "../../../../compiler/targets/tfjs/exec/training.js";
import { lower } from "../../../../compiler/targets/tfjs/lower.js";
import { layerVariables } from "../../../../compiler/targets/tfjs/variables.js";
import { modelWeights } from "../../../../runtime/io/model-weights.js";
import { logitsModel } from "../../../../runtime/train/evaluate.js";
import { softmaxCrossEntropy } from "../../../../runtime/train/loss.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

/** Table 1's structure (7x7/2 stem, max pool, projection shortcuts) at a size the cpu runs fast. */
const SMALL_IMAGENET = `model small {
  input 48x48x3
  shortcut B
  stem {
    conv1: conv 7x7, 16, stride 2
    conv2: maxpool 3x3, stride 2
  }
  variants {
    18: basic x [2, 1, 1]
    50: bottleneck x [1, 2, 1]
  }
  stages conv2..conv4 widths [16, 24, 32] strides [1, 2, 2]
  head {
    global avgpool
    fc 10
    softmax
  }
}
`;

/** The CIFAR family's structure (option A shortcuts) with n = 1 and narrower stages. */
const SMALL_CIFAR = `model small_cifar {
  input 16x16x3
  shortcut A
  stem conv1 {
    conv 3x3, 8
  }
  stages conv2..conv4 basic x [1, 1, 1] widths [8, 12, 16] strides [1, 2, 2]
  head {
    global avgpool
    fc 10
    softmax
  }
}
`;

const TEXTS: Record<string, string> = { small: SMALL_IMAGENET, "small-cifar": SMALL_CIFAR };

function graph(file: string, variant: string | undefined): IrGraph {
  const text = TEXTS[file];
  const r = checkFile(text ? `${file}.resnet` : file, { variant }, { text });
  if (!r.ok) throw new Error(`${file} does not check`);
  return r.graphs[0]!;
}

/** A lowered model whose batch norms have non-trivial gammas, betas and moving statistics. */
function model(g: IrGraph) {
  const m = lower(g, { seed: 7 });
  let k = 0;
  for (const layer of m.layers) {
    if (layer.getClassName() !== "BatchNormalization") continue;
    const c = layer.getWeights()[0]!.shape[0]!;
    const vals = (f: (v: number) => number) =>
      tf.tensor1d(Array.from({ length: c }, () => f(Math.sin(++k * 0.731))));
    layer.setWeights([
      vals((v) => 0.8 + 0.3 * v),
      vals((v) => 0.1 * v),
      vals((v) => 0.05 * v),
      vals((v) => 0.7 + 0.4 * v),
    ]);
  }
  return m;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(...Array.from(b, Math.abs), 1e-6);
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!))) / scale;
}

const cases = [
  ["a small CIFAR net (option A shortcuts)", "small-cifar", undefined, [3, 16, 16, 3]],
  [
    "a small Table 1 net of basic blocks (7x7/2 stem, max pool, projections)",
    "small",
    "18",
    [2, 48, 48, 3],
  ],
  ["a small Table 1 net of bottlenecks", "small", "50", [2, 48, 48, 3]],
] as const;

describe.each(cases)("the executor on %s", (_, file, variant, xShape) => {
  const g = graph(file, variant);
  const m = model(g);
  const x = tf.randomNormal([...xShape], 0, 1, "float32", 3) as tf.Tensor4D;
  const expected = tf.tidy(() => logitsModel(m)!.apply(x, { training: false }) as tf.Tensor);
  let bound: IrGraph;
  beforeAll(async () => {
    bound = { ...g, weights: await modelWeights(g, m) };
  });

  it("runs the unfused graph to the layers model's logits", () => {
    const f = inferenceFunction(bound);
    const got = f.logits(x);
    expect(got.shape).toEqual(expected.shape);
    expect(
      maxRelDiff(got.dataSync() as Float32Array, expected.dataSync() as Float32Array),
    ).toBeLessThan(1e-5);
    tf.dispose(got);
    f.dispose();
  });

  it("runs the folded and fused graph to the same logits within 1e-5 relative", () => {
    const fused = runPasses(bound, INFERENCE_PASSES, { verify: true });
    expect(fused.nodes.length).toBeLessThan(g.nodes.length);
    const f = inferenceFunction(fused);
    const got = f.logits(x);
    expect(
      maxRelDiff(got.dataSync() as Float32Array, expected.dataSync() as Float32Array),
    ).toBeLessThan(1e-5);
    tf.dispose(got);
    f.dispose();
  });

  it("trains through the fused batch norms exactly as the layers model: loss, gradients, moving averages", () => {
    const y = tf.tensor1d(
      Array.from({ length: xShape[0] }, (_, i) => (i * 3) % 10),
      "int32",
    );
    const fused = runPasses(g, TRAINING_PASSES, { verify: true });
    expect(fused.nodes.some((n) => n.op === "bn" && n.relu && n.residual)).toBe(true);
    const vars = layerVariables(g, m);
    const trainable = [...vars.values()]
      .filter((v) => v.trainable)
      .map((v) => v.read() as tf.Variable);
    const moving = [...vars.entries()].filter(([k]) => /\.(mean|variance)$/.test(k));
    const snapshot = () => moving.map(([, v]) => v.read().dataSync().slice() as Float32Array);
    const restore = (s: Float32Array[]) =>
      moving.forEach(([, v], i) => v.write(tf.tensor(s[i]!, v.shape as number[])));
    const before = snapshot();

    const sub = logitsModel(m)!;
    const ref = tf.variableGrads(
      () => softmaxCrossEntropy(sub.apply(x, { training: true }) as tf.Tensor, y),
      trainable,
    );
    const refMoving = snapshot();
    restore(before);
    const forward = trainingForward(fused, m);
    const got = tf.variableGrads(() => softmaxCrossEntropy(forward(x), y), trainable);
    const gotMoving = snapshot();

    expect(Math.abs(got.value.dataSync()[0]! - ref.value.dataSync()[0]!)).toBeLessThan(1e-5);
    for (const v of trainable) {
      const d = maxRelDiff(
        got.grads[v.name]!.dataSync() as Float32Array,
        ref.grads[v.name]!.dataSync() as Float32Array,
      );
      expect(d, v.name).toBeLessThan(1e-4);
    }
    gotMoving.forEach((a, i) =>
      expect(maxRelDiff(a, refMoving[i]!), moving[i]![0]).toBeLessThan(1e-6),
    );
    expect(maxRelDiff(gotMoving[0]!, before[0]!)).toBeGreaterThan(1e-3); // they did move
    tf.dispose([y, ref.value, got.value, ...Object.values(ref.grads), ...Object.values(got.grads)]);
  });
});

describe("the executor on the family's wide_digits (dropout in its blocks, BN + ReLU in the head)", () => {
  it("evaluates it to the layers model's logits, dropout passing its input through", async () => {
    const r = checkFile("examples/family/digits.resnet", { model: "wide_digits" });
    const g = r.graphs[0]!;
    expect(g.nodes.some((n) => n.op === "dropout")).toBe(true);
    const m = model(g);
    const x = tf.randomNormal([2, ...g.input], 0, 1, "float32", 5) as tf.Tensor4D;
    const want = tf.tidy(() => logitsModel(m)!.apply(x, { training: false }) as tf.Tensor);
    const bound = { ...g, weights: await modelWeights(g, m) };
    for (const graph of [bound, runPasses(bound, INFERENCE_PASSES, { verify: true })]) {
      const f = inferenceFunction(graph);
      const got = f.logits(x);
      expect(
        maxRelDiff(got.dataSync() as Float32Array, want.dataSync() as Float32Array),
      ).toBeLessThan(1e-5);
      got.dispose();
      f.dispose();
    }
    tf.dispose([x, want]);
  });
});
