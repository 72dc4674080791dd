// The IR verifier accepts every example's graph and names each kind of broken graph.
import { describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { cloneGraph } from "../../../compiler/ir/edit.js";
import type { IrGraph, IrNode } from "../../../compiler/ir/types.js";
import { assertValid, verify } from "../../../compiler/ir/verify.js";

const cifar = () => checkFile("examples/cifar/resnet.resnet", { variant: "20" }).graphs[0]!;

describe("every example's graphs verify", () => {
  for (const file of [
    "examples/imagenet/resnet.resnet",
    "examples/imagenet/preact.resnet",
    "examples/imagenet/shortcuts.resnet",
    "examples/cifar/resnet.resnet",
    "examples/cifar/plain.resnet",
    "examples/mnist/resnet.resnet",
  ])
    it(file, () => {
      const r = checkFile(file, {}, { verify: true });
      expect(r.ok).toBe(true);
      for (const g of r.graphs) expect(verify(g)).toEqual([]);
    });
});

function broken(edit: (g: IrGraph, byName: (n: string) => IrNode) => void): string[] {
  const g = cloneGraph(cifar());
  edit(g, (name) => g.nodes.find((n) => n.name === name)!);
  return verify(g);
}

describe("broken graphs are named", () => {
  it("an input that does not exist or comes later", () => {
    expect(broken((g, n) => (n("conv2_1_conv1").inputs = [g.nodes.length + 3]))).toEqual([
      `node 4 (conv2_1_conv1): inputs ${cifar().nodes.length + 3} must be earlier nodes`,
    ]);
  });
  it("a duplicate name", () => {
    expect(broken((_, n) => (n("conv2_1_bn1").name = "conv2_1_conv1"))).toEqual([
      "node 5 (conv2_1_conv1): name is not unique",
    ]);
  });
  it("a shape that does not follow from the inputs", () => {
    expect(broken((_, n) => (n("conv3_1_conv1").shape = [32, 32, 32]))).toEqual([
      "node 25 (conv3_1_conv1): shape 32x32x32, but its inputs give 16x16x32",
      "node 26 (conv3_1_bn1): shape 16x16x32, but its inputs give 32x32x32",
    ]);
  });
  it("padding that changes the size", () => {
    const p = broken((_, n) => {
      const c = n("conv2_1_conv1");
      if (c.op === "conv") c.pad = { top: 0, bottom: 0, left: 1, right: 1 };
    });
    expect(p[0]).toBe("node 4 (conv2_1_conv1): shape 32x32x16, but its inputs give 30x32x16");
  });
  it("an addition of different shapes and a wrong arity", () => {
    const p = broken((g, n) => {
      n("conv3_1_add").inputs = [n("conv3_1_bn2").id, n("conv2_3_out").id];
      n("conv2_1_relu1").inputs = [3, 4];
    });
    expect(p).toEqual([
      "node 6 (conv2_1_relu1): relu takes 1 inputs, has 2",
      "node 31 (conv3_1_add): adds 16x16x32 and 32x32x16",
    ]);
  });
  it("a classifier that is not an fc, and weights that fit no node", () => {
    const p = broken((g) => {
      g.logits = 1;
      g.weights.set("conv1_conv1.kernel", { shape: [3, 3, 3, 15], data: new Float32Array(405) });
      g.weights.set("conv1_relu1.kernel", { shape: [1], data: new Float32Array(1) });
    });
    expect(p).toEqual([
      "logits (1) is not an fc node",
      "weight conv1_conv1.kernel has shape 3x3x3x15, needs 3x3x3x16",
      "weight conv1_relu1.kernel belongs to no node slot",
    ]);
  });
  it("assertValid throws with every problem and the pass's name", () => {
    const g = cloneGraph(cifar());
    g.nodes[4]!.name = "conv1_conv1";
    expect(() => assertValid(g, "pass demo")).toThrow(
      /invalid IR after pass demo:\n {2}node 4 \(conv1_conv1\): name is not unique/,
    );
  });
});
