// The IR verifier on the family: every family graph verifies, and broken grouped convolutions,
// dilations and SE weights are named.
import { describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { cloneGraph } from "../../../compiler/ir/edit.js";
import type { IrGraph, IrNode } from "../../../compiler/ir/types.js";
import { verify } from "../../../compiler/ir/verify.js";

const FILES = ["resnext", "wide", "se-resnet", "resnet-d", "digits"].map(
  (f) => `examples/family/${f}.resnet`,
);

describe("every family graph verifies", () => {
  it.each(FILES)("%s", (file) => {
    const r = checkFile(file, {}, { verify: true });
    expect(r.ok).toBe(true);
    for (const g of r.graphs) expect(verify(g)).toEqual([]);
  });
});

const digits = (model: string) => checkFile("examples/family/digits.resnet", { model }).graphs[0]!;

function broken(model: string, edit: (byName: (n: string) => IrNode, g: IrGraph) => void) {
  const g = cloneGraph(digits(model));
  edit((name) => g.nodes.find((n) => n.name === name)!, g);
  return verify(g);
}

describe("broken family graphs are named", () => {
  it("groups that do not divide the channels", () => {
    expect(
      broken("resnext_digits", (n) => Object.assign(n("conv2_1_conv2"), { groups: 3 })),
    ).toEqual(["node 7 (conv2_1_conv2): groups 3 do not divide 16 -> 16 channels"]);
  });

  it("a dilation the shape does not follow from", () => {
    expect(
      broken("dilated_digits", (n) => Object.assign(n("conv2_1_conv2"), { dilation: 3 })),
    ).toEqual(["node 7 (conv2_1_conv2): shape 28x28x16, but its inputs give 26x26x16"]);
  });

  it("an SE weight of the wrong shape", () => {
    expect(
      broken("se_digits", (_, g) =>
        g.weights.set("conv2_1_se.fc1_kernel", { shape: [32, 4], data: new Float32Array(128) }),
      ),
    ).toEqual(["weight conv2_1_se.fc1_kernel has shape 32x4, needs 32x8"]);
  });
});
