// The fusion passes: fuse-conv-epilogue (inference, after fold-batchnorm) and fuse-batchnorm-act
// (training) take a ReLU, or a residual addition and the ReLU after it, into the conv or batch
// norm that feeds them; exact node counts and the wiring of the residuals, on a graph the
// verifier accepts, with the input graph untouched.
import { describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import type { IrGraph, IrNode } from "../../../compiler/ir/types.js";
import { verify } from "../../../compiler/ir/verify.js";
import { fuseBatchNormAct } from "../../../compiler/passes/fuse-batchnorm-act.js";
import { fuseConvEpilogue } from "../../../compiler/passes/fuse-conv-epilogue.js";
import { INFERENCE_PASSES, runPasses, TRAINING_PASSES } from "../../../compiler/passes/index.js";

function graph(file: string, variant: string): IrGraph {
  return checkFile(file, { variant }).graphs[0]!;
}

function ops(g: IrGraph): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of g.nodes) out[n.op] = (out[n.op] ?? 0) + 1;
  return out;
}

/** "name" + "+res(residual)" + "+relu", the way the specs below read a fused node. */
function desc(g: IrGraph, n: IrNode): string {
  const r = "residual" in n && n.residual ? `+res(${g.nodes[n.inputs[1]!]!.name})` : "";
  return `${n.name}${r}${"relu" in n && n.relu ? "+relu" : ""}`;
}

describe("fuse-batchnorm-act (training)", () => {
  it("CIFAR ResNet-20: every ReLU and every addition goes into a batch norm (72 nodes -> 44)", () => {
    const g = graph("examples/cifar/resnet.resnet", "20");
    const before = JSON.stringify(g.nodes);
    const f = runPasses(g, [fuseBatchNormAct], { verify: true });
    expect(JSON.stringify(g.nodes)).toBe(before);
    expect(g.nodes.length).toBe(72);
    expect(f.nodes.length).toBe(44);
    expect(ops(f)).toEqual({
      input: 1,
      conv: 19,
      bn: 19,
      shortcutA: 2,
      globalavg: 1,
      fc: 1,
      softmax: 1,
    });
    const bns = f.nodes.filter((n) => n.op === "bn").map((n) => desc(f, n));
    expect(bns.slice(0, 3)).toEqual([
      "conv1_bn1+relu",
      "conv2_1_bn1+relu",
      "conv2_1_bn2+res(conv1_bn1)+relu",
    ]);
    // The first block of stage 3 adds the option-A shortcut of the stage's input.
    expect(bns).toContain("conv3_1_bn2+res(conv3_1_shortcut)+relu");
  });

  it("ResNet-50: the block's last BN takes the projection's BN as its residual (176 nodes -> 111)", () => {
    const g = graph("examples/imagenet/resnet.resnet", "50");
    const f = runPasses(g, TRAINING_PASSES, { verify: true });
    expect(f.nodes.length).toBe(111);
    const bns = f.nodes.filter((n) => n.op === "bn").map((n) => desc(f, n));
    expect(bns.slice(0, 5)).toEqual([
      "conv1_bn1+relu",
      "conv2_1_bn1+relu",
      "conv2_1_bn2+relu",
      "conv2_1_proj_bn",
      "conv2_1_bn3+res(conv2_1_proj_bn)+relu",
    ]);
    expect(bns).toContain("conv2_2_bn3+res(conv2_1_bn3)+relu");
    expect(f.nodes.filter((n) => n.op === "relu" || n.op === "add")).toEqual([]);
  });

  it("fuses a ReLU read twice (the stem's: the first block's conv and its residual) but nothing after it", () => {
    const g = graph("examples/cifar/resnet.resnet", "20");
    const f = runPasses(g, [fuseBatchNormAct], { verify: true });
    const stem = f.nodes.find((n) => n.name === "conv1_bn1")!;
    expect(f.nodes.filter((n) => n.inputs.includes(stem.id)).map((n) => n.name)).toEqual([
      "conv2_1_conv1",
      "conv2_1_bn2",
    ]);
  });
});

describe("fuse-conv-epilogue (inference)", () => {
  it("fuses nothing while batch norms sit between the convs and their ReLUs", () => {
    const g = graph("examples/cifar/resnet.resnet", "20");
    expect(fuseConvEpilogue.run(g)).toBe(g);
  });

  it("after fold-batchnorm, ResNet-20 is 19 convs with epilogues, 2 shortcuts and the head", () => {
    const g = graph("examples/cifar/resnet.resnet", "20");
    // fold-batchnorm needs bound weights; without them it folds nothing.
    const bound = withWeights(g);
    const f = runPasses(bound, INFERENCE_PASSES, { verify: true });
    expect(ops(f)).toEqual({ input: 1, conv: 19, shortcutA: 2, globalavg: 1, fc: 1, softmax: 1 });
    const convs = f.nodes.filter((n) => n.op === "conv").map((n) => desc(f, n));
    expect(convs.slice(0, 3)).toEqual([
      "conv1_conv1+relu",
      "conv2_1_conv1+relu",
      "conv2_1_conv2+res(conv1_conv1)+relu",
    ]);
    expect(verify(f)).toEqual([]);
    // Weights stay bound under the producers' names: kernel and bias of every conv.
    expect([...f.weights.keys()].filter((k) => k.endsWith(".bias")).length).toBe(19 + 1);
  });
});

/** Every conv, BN and fc weight bound (values irrelevant here: the passes' structure is tested). */
function withWeights(g: IrGraph): IrGraph {
  const weights = new Map();
  for (const n of g.nodes) {
    const x = g.nodes[n.inputs[0] ?? 0]!.shape;
    const cin = x[x.length - 1]!;
    const put = (slot: string, shape: number[]) =>
      weights.set(`${n.name}.${slot}`, {
        shape,
        data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5),
      });
    if (n.op === "conv") put("kernel", [n.kernel[0], n.kernel[1], cin, n.filters]);
    if (n.op === "bn") for (const s of ["gamma", "beta", "mean", "variance"]) put(s, [cin]);
    if (n.op === "fc") {
      put("kernel", [cin, n.units]);
      put("bias", [n.units]);
    }
  }
  return { ...g, weights };
}
