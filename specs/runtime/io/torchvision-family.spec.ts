// The family against torchvision's own modules: a ResNeXt and a Wide ResNet built by torchvision's
// ResNet class exactly as resnext50_32x4d and wide_resnet50_2 are (groups, width_per_group), one
// block a stage, random weights: their state dicts load into resnetc's `resnext_bottleneck` specs
// by name and give torchvision's logits. Needs Debian's python3-torch (skips with the reason where
// it is missing; CI installs it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { analyze } from "../../../compiler/ir/analysis.js";
import { lower } from "../../../compiler/targets/tfjs/lower.js";
import { bindTorchWeights } from "../../../runtime/io/torchvision.js";
import { readWeightsFile } from "../../../runtime/io/weights-file.js";
import { NO_TORCH, torchPython } from "../../helpers/python.js";
import { useCpu } from "../train/helpers.js";

const python = torchPython();
const tmp = mkdtempSync(join(tmpdir(), "resnetc-tv-family-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function spec(groups: number, baseWidth: number): string {
  return [
    "model tv {",
    "  input 64x64x3",
    "  stem {",
    "    conv1: conv 7x7, 64, stride 2",
    "    conv2: maxpool 3x3, stride 2",
    "  }",
    `  stages conv2..conv5 resnext_bottleneck(groups = ${groups}, base_width = ${baseWidth}) x [1, 1, 1, 1] widths [64, 128, 256, 512]`,
    "  head { global avgpool; fc 10 }",
    "}",
    "",
  ].join("\n");
}

describe.skipIf(python === null)("torchvision's ResNeXt and Wide ResNet weights", () => {
  let expected: Record<string, number[] | number>;
  beforeAll(async () => {
    await useCpu();
    const script = resolve("specs/runtime/io/fixtures/torchvision_family.py");
    const r = spawnSync(python!, [script, tmp], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expected = JSON.parse(readFileSync(join(tmp, "expected.json"), "utf8"));
  });

  for (const [name, groups, width] of [
    ["resnext", 4, 8],
    ["wide", 1, 128],
  ] as const) {
    it(`${name}: the same parameters, and torchvision's logits within 1e-4 relative`, async () => {
      const r = checkFile(join(tmp, `${name}.resnet`), {}, { text: spec(groups, width) });
      expect(r.diagnostics).toEqual([]);
      const g = r.graphs[0]!;
      expect(analyze(g).params).toBe(expected[`${name}_params`]);
      const { tensors } = await readWeightsFile(join(tmp, `${name}.pth`));
      const model = lower(bindTorchWeights(g, tensors, `${name}.pth`));
      const x = tf.tensor4d(expected.input as number[], [2, 64, 64, 3]);
      const got = Array.from(await (model.predict(x) as tf.Tensor).data());
      const want = expected[name] as number[];
      const scale = Math.max(...want.map(Math.abs));
      expect(got.length).toBe(want.length);
      expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!))) / scale).toBeLessThan(1e-4);
    });
  }
});

it.skipIf(python !== null)(NO_TORCH, () => {});
