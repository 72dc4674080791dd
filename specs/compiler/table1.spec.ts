// The paper's numbers, exactly: Table 1 (ImageNet) and Table 6 (CIFAR-10), from the examples.
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/ir/analysis.js";
import { checkFile } from "../../compiler/check.js";
import type { IrGraph } from "../../compiler/ir/types.js";

function graphs(file: string, variant?: string): IrGraph[] {
  const r = checkFile(file, variant ? { variant } : {}, { verify: true });
  expect(r.diagnostics).toEqual([]);
  return r.graphs;
}

function counts(file: string) {
  return Object.fromEntries(
    graphs(file).map((g) => {
      const a = analyze(g);
      return [g.variant, { depth: a.depth, params: a.params, madds: a.multiplyAdds }];
    }),
  );
}

describe("Table 1: ImageNet ResNets (option B, v1 stride placement)", () => {
  const t = counts("examples/imagenet/resnet.resnet");
  it.each([
    ["18", 18, 11_689_512, 1_814_073_344],
    ["34", 34, 21_797_672, 3_663_761_408],
    ["50", 50, 25_557_032, 3_857_973_248],
    ["101", 101, 44_549_160, 7_570_194_432],
    ["152", 152, 60_192_808, 11_282_415_616],
  ])("ResNet-%s: depth %i, %i params, %i multiply-adds", (v, depth, params, madds) => {
    expect(t[v]).toEqual({ depth, params, madds });
  });

  it("output sizes are 112, 56, 28, 14, 7 and 1 for every depth", () => {
    for (const g of graphs("examples/imagenet/resnet.resnet")) {
      expect(g.groups.map((s) => [s.name, s.output])).toEqual([
        ["conv1", [112, 112, 64]],
        ["conv2", [56, 56, g.groups[1].output[2]]],
        ["conv3", [28, 28, g.groups[2].output[2]]],
        ["conv4", [14, 14, g.groups[3].output[2]]],
        ["conv5", [7, 7, g.groups[4].output[2]]],
        ["head", [1000]],
      ]);
    }
  });

  it("stage widths: basic keeps c, bottleneck expands to 4c", () => {
    const [r18, , r50] = graphs("examples/imagenet/resnet.resnet");
    expect(r18.groups.slice(1, 5).map((s) => s.output[2])).toEqual([64, 128, 256, 512]);
    expect(r50.groups.slice(1, 5).map((s) => s.output[2])).toEqual([256, 512, 1024, 2048]);
  });

  it("block counts per stage follow Table 1", () => {
    const blocks = graphs("examples/imagenet/resnet.resnet").map((g) =>
      g.groups.slice(1, 5).map((s) => s.blocks),
    );
    expect(blocks).toEqual([
      [2, 2, 2, 2],
      [3, 4, 6, 3],
      [3, 4, 6, 3],
      [3, 4, 23, 3],
      [3, 8, 36, 3],
    ]);
  });
});

describe("v1.5 (torchvision) stride placement", () => {
  const t = counts("examples/imagenet/resnet-v15.resnet");
  it.each([
    ["50", 25_557_032, 4_089_184_256],
    ["101", 44_549_160, 7_801_405_440],
    ["152", 60_192_808, 11_513_626_624],
  ])("ResNet-%s v1.5: same params, torchvision's multiply-adds", (v, params, madds) => {
    expect(t[v].params).toBe(params);
    expect(t[v].madds).toBe(madds);
    expect(Math.round(t[v].madds / 1e6)).toBe({ "50": 4089, "101": 7801, "152": 11514 }[v]);
  });
});

describe("Table 6: CIFAR-10 ResNets (option A)", () => {
  const t = counts("examples/cifar/resnet.resnet");
  it.each([
    ["20", 20, 269_722, 40_551_040],
    ["32", 32, 464_154, 68_862_592],
    ["44", 44, 658_586, 97_174_144],
    ["56", 56, 853_018, 125_485_696],
    ["110", 110, 1_727_962, 252_887_680],
    ["1202", 1202, 19_421_274, 2_829_238_912],
  ])("ResNet-%s: depth %i, %i params, %i multiply-adds", (v, depth, params, madds) => {
    expect(t[v]).toEqual({ depth, params, madds });
  });

  it("each plain twin has exactly the parameters of its ResNet (option A adds none)", () => {
    const plain = counts("examples/cifar/plain.resnet");
    for (const v of Object.keys(t)) expect(plain[v]).toEqual(t[v]);
  });

  it("feature maps are 32x32x16, 16x16x32, 8x8x64", () => {
    const [g] = graphs("examples/cifar/resnet.resnet", "20");
    expect(g.groups.map((s) => s.output)).toEqual([
      [32, 32, 16],
      [32, 32, 16],
      [16, 16, 32],
      [8, 8, 64],
      [10],
    ]);
  });
});

describe("shortcut options change parameters as they should", () => {
  const t = Object.fromEntries(
    graphs("examples/imagenet/shortcuts.resnet").map((g) => [g.name, analyze(g).params]),
  );
  it("A has no projection parameters: the plain-34 count", () => {
    expect(t.resnet34_a).toBe(counts("examples/imagenet/plain.resnet")["34"].params);
    expect(t.resnet34_a).toBe(21_623_848);
  });
  it("B adds 1x1 projections + BN at the three downsampling blocks", () => {
    // conv3_1: 64*128 + 2*128, conv4_1: 128*256 + 2*256, conv5_1: 256*512 + 2*512
    expect(t.resnet34_b - t.resnet34_a).toBe(64 * 128 + 256 + 128 * 256 + 512 + 256 * 512 + 1024);
    expect(t.resnet34_b).toBe(21_797_672);
  });
  it("C projects on every one of the 16 blocks", () => {
    const identityBlocks =
      3 * (64 * 64 + 128) + 3 * (128 * 128 + 256) + 5 * (256 * 256 + 512) + 2 * (512 * 512 + 1024);
    expect(t.resnet34_c - t.resnet34_b).toBe(identityBlocks);
  });
});

describe("plain ImageNet nets", () => {
  it("plain-18/34 have no shortcut nodes and no additions", () => {
    for (const g of graphs("examples/imagenet/plain.resnet")) {
      expect(g.nodes.filter((n) => n.op === "add" || n.branch === "shortcut")).toEqual([]);
    }
  });
});
