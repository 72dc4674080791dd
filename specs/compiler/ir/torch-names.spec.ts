// torchNames gives every weighted node torchvision's module path. The reference is torchvision
// itself (Debian's python3-torchvision): the state_dict keys of resnet18/34/50 and of the v1.5
// bottleneck nets, without num_batches_tracked, in order.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { torchNames } from "../../../compiler/ir/torch-names.js";
import type { IrGraph } from "../../../compiler/ir/types.js";
import { NO_TORCH, torchPython } from "../../helpers/python.js";

const python = torchPython();
const hasTorch = python !== null;

/** torchvision's parameter and buffer names in our slot words (weight -> kernel/gamma, ...). */
function torchvisionKeys(model: string): string[] {
  const r = spawnSync(
    python!,
    [
      "-c",
      `import torchvision; print("\\n".join(torchvision.models.${model}().state_dict().keys()))`,
    ],
    { encoding: "utf8" },
  );
  expect(r.status).toBe(0);
  return r.stdout
    .trim()
    .split("\n")
    .filter((k) => !k.endsWith("num_batches_tracked"));
}

/** Our names as state_dict keys: conv.weight, bn.{weight,bias,running_mean,running_var}, fc.{weight,bias}. */
function ourKeys(g: IrGraph): string[] {
  const out: string[] = [];
  for (const [id, name] of torchNames(g)) {
    const n = g.nodes[id]!;
    if (n.op === "conv") out.push(`${name}.weight`, ...(n.bias ? [`${name}.bias`] : []));
    else if (n.op === "bn")
      out.push(`${name}.weight`, `${name}.bias`, `${name}.running_mean`, `${name}.running_var`);
    else out.push(`${name}.weight`, `${name}.bias`);
  }
  return out;
}

describe.skipIf(!hasTorch)("torchvision's state_dict keys, in order", () => {
  for (const [file, variant, model] of [
    ["examples/imagenet/resnet.resnet", "18", "resnet18"],
    ["examples/imagenet/resnet.resnet", "34", "resnet34"],
    ["examples/imagenet/resnet.resnet", "50", "resnet50"],
    ["examples/imagenet/resnet-v15.resnet", "101", "resnet101"],
  ] as const)
    it(`${file} ${variant} = torchvision.models.${model}`, () => {
      const g = checkFile(file, { variant }).graphs[0]!;
      expect(ourKeys(g)).toEqual(torchvisionKeys(model));
    });
});

it.skipIf(hasTorch)(NO_TORCH, () => {});

describe("names from the structure of any spec", () => {
  it("option A and a plain net: no downsample, classifier fc", () => {
    const g = checkFile("examples/cifar/resnet.resnet", { variant: "20" }).graphs[0]!;
    const names = [...torchNames(g).values()];
    expect(names.slice(0, 4)).toEqual(["conv1", "bn1", "layer1.0.conv1", "layer1.0.bn1"]);
    expect(names.filter((n) => n.includes("downsample"))).toEqual([]);
    expect(names.at(-1)).toBe("fc");
    expect(names.length).toBe(1 + 1 + 9 * 4 + 1);
  });
});
