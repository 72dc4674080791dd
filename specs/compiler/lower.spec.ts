// Lowering to tfjs: the model's trainable parameters equal the analysis for every example; the
// ImageNet nets run forward to a [1,1000] softmax; save -> load gives identical predictions.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../compiler/ir/analysis.js";
import { checkFile } from "../../compiler/check.js";
import { lower, trainableParams } from "../../compiler/targets/tfjs/lower.js";
import { loadLayersModel, saveLayersModel } from "../../runtime/io/model-io.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

const EXAMPLES = [
  "examples/cifar/resnet.resnet",
  "examples/cifar/plain.resnet",
  "examples/imagenet/resnet.resnet",
  "examples/imagenet/plain.resnet",
  "examples/imagenet/resnet-v15.resnet",
  "examples/imagenet/shortcuts.resnet",
  "examples/imagenet/preact.resnet",
  "examples/mnist/resnet.resnet",
];

describe("the lowered model's trainable parameters equal the analysis", () => {
  for (const file of EXAMPLES) {
    it(file, () => {
      const r = checkFile(file, {}, { verify: true });
      expect(r.ok).toBe(true);
      for (const g of r.graphs) {
        const m = lower(g, { init: "zeros" });
        expect([g.name, g.variant, trainableParams(m)]).toEqual([
          g.name,
          g.variant,
          analyze(g).params,
        ]);
        // tfjs counts BN moving statistics too.
        expect(m.countParams()).toBe(analyze(g).params + analyze(g).state);
        m.layers.forEach((l) => l.dispose());
      }
    });
  }
});

describe("forward pass at 224x224", () => {
  for (const variant of ["18", "50"]) {
    it(`ResNet-${variant}: batch 1 gives a [1, 1000] softmax summing to 1`, () => {
      const [g] = checkFile("examples/imagenet/resnet.resnet", { variant }).graphs;
      const m = lower(g, { seed: 7 });
      const before = tf.memory().numTensors;
      const y = tf.tidy(
        () => m.predict(tf.randomNormal([1, 224, 224, 3], 0, 1, "float32", 3)) as tf.Tensor,
      );
      expect(y.shape).toEqual([1, 1000]);
      const s = tf.tidy(() => tf.sum(y).dataSync()[0]);
      expect(s).toBeCloseTo(1, 4);
      expect(Math.min(...y.dataSync())).toBeGreaterThanOrEqual(0);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      m.layers.forEach((l) => l.dispose());
    });
  }
});

describe("save -> load round trip", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "resnetc-lower-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const OPTION_B = `model small_b {
  input 16x16x3
  shortcut B
  stem { conv 3x3, 8 }
  stages s1..s2 basic x [1, 1] widths [8, 16]
  head { global avgpool; fc 5; softmax }
}`;
  for (const [file, variant, text] of [
    ["examples/cifar/resnet.resnet", "20", undefined],
    ["small_b.resnet", undefined, OPTION_B],
  ] as const) {
    it(`${file} ${variant ?? ""}: identical predictions after loading`, async () => {
      const r = checkFile(file, variant ? { variant } : {}, text ? { text } : {});
      expect(r.diagnostics).toEqual([]);
      const g = r.graphs[0];
      const m = lower(g, { seed: 3 });
      const x = tf.randomUniform([2, ...g.input], 0, 1, "float32", 5);
      const y1 = m.predict(x) as tf.Tensor;
      const out = join(dir, `${g.name}-${g.variant}`);
      await saveLayersModel(m, out);
      const m2 = await loadLayersModel(out);
      const y2 = m2.predict(x) as tf.Tensor;
      expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
      expect(m2.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
      tf.dispose([x, y1, y2]);
    });
  }
});
