// The family's module paths match torchvision's (ResNeXt, Wide ResNet: read from torchvision
// itself when python3-torchvision is installed) and timm's (SE-ResNet's se, ResNet-D's
// downsample, written out from timm's resnet.py), so that their weights can be bound by name.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { torchNames } from "../../../compiler/ir/torch-names.js";
import type { IrGraph } from "../../../compiler/ir/types.js";
import { torchTensorSpecs } from "../../../runtime/io/torchvision.js";
import { NO_TORCH, torchPython } from "../../helpers/python.js";

function graph(file: string, model: string): IrGraph {
  return checkFile(`examples/family/${file}`, { model }).graphs[0]!;
}

function namesOf(g: IrGraph): string[] {
  return [...torchNames(g).values()].sort();
}

const PY = torchPython();

/** torchvision's Conv2d, BatchNorm2d and Linear module paths of a model. */
function torchvisionNames(model: string): string[] {
  const code = [
    "import torch.nn as nn, torchvision.models as M",
    `m = M.${model}()`,
    "kinds = (nn.Conv2d, nn.BatchNorm2d, nn.Linear)",
    "print('\\n'.join(n for n, x in m.named_modules() if isinstance(x, kinds)))",
  ].join("\n");
  const r = spawnSync(PY!, ["-c", code], { encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").sort();
}

describe.skipIf(!PY)(`torchvision module paths (${PY ? "python3-torchvision" : NO_TORCH})`, () => {
  it.each([
    ["resnext.resnet", "resnext50_32x4d"],
    ["wide.resnet", "wide_resnet50_2"],
  ])("%s %s: the same conv, bn and fc paths as torchvision", (file, model) => {
    expect(namesOf(graph(file, model))).toEqual(torchvisionNames(model));
  });

  it("ResNeXt-50 32x4d: every state_dict tensor's name and shape (grouped: [out, in/32, 3, 3])", () => {
    const code = [
      "import json, torchvision",
      "m = torchvision.models.resnext50_32x4d()",
      "print(json.dumps({k: list(v.shape) for k, v in m.state_dict().items()",
      "                  if not k.endswith('num_batches_tracked')}))",
    ].join("\n");
    const r = spawnSync(PY!, ["-c", code], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const ours = torchTensorSpecs(graph("resnext.resnet", "resnext50_32x4d"));
    expect(Object.fromEntries(ours.map((t) => [t.torchName, t.shape]))).toEqual(
      JSON.parse(r.stdout),
    );
  });
});

describe("timm module paths", () => {
  it("SE-ResNet-50: timm's se.fc1 / se.fc2 1x1 convs with biases", () => {
    const se = torchTensorSpecs(graph("se-resnet.resnet", "seresnet50"))
      .filter((t) => t.torchName.startsWith("layer1.0.se."))
      .map((t) => [t.torchName, t.shape]);
    expect(se).toEqual([
      ["layer1.0.se.fc1.weight", [16, 256, 1, 1]],
      ["layer1.0.se.fc1.bias", [16]],
      ["layer1.0.se.fc2.weight", [256, 16, 1, 1]],
      ["layer1.0.se.fc2.bias", [256]],
    ]);
  });

  it("SE-ResNet-50: layerI.J.se for each block's squeeze-and-excitation (timm's se.fc1, se.fc2)", () => {
    const g = graph("se-resnet.resnet", "seresnet50");
    const names = torchNames(g);
    const se = g.nodes.filter((n) => n.op === "se").map((n) => names.get(n.id));
    expect(se).toHaveLength(16);
    expect(se.slice(0, 4)).toEqual(["layer1.0.se", "layer1.1.se", "layer1.2.se", "layer2.0.se"]);
    expect(names.get(g.nodes.find((n) => n.name === "conv2_1_conv3")!.id)).toBe("layer1.0.conv3");
  });

  it("ResNet-50-D: deep stem conv1.0/.1/.3/.4/.6 and bn1; downsample.1 (conv) and .2 (bn) after the pool", () => {
    const g = graph("resnet-d.resnet", "resnet50d");
    const names = namesOf(g);
    expect(names.filter((n) => n.startsWith("conv1") || n === "bn1")).toEqual([
      "bn1",
      "conv1.0",
      "conv1.1",
      "conv1.3",
      "conv1.4",
      "conv1.6",
    ]);
    expect(names.filter((n) => n.includes("downsample"))).toEqual([
      "layer1.0.downsample.1",
      "layer1.0.downsample.2",
      "layer2.0.downsample.1",
      "layer2.0.downsample.2",
      "layer3.0.downsample.1",
      "layer3.0.downsample.2",
      "layer4.0.downsample.1",
      "layer4.0.downsample.2",
    ]);
  });
});
