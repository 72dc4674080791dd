// The table, exactly: the ResNet family's parameter counts from examples/family, the
// multiply-adds torchvision documents for ResNeXt-50 32x4d (4.23 G) and Wide ResNet-50-2 (11.4 G),
// and WRN-28-10 against a count from Zagoruyko & Komodakis' definition written out below.
import { describe, expect, it } from "vitest";
import { analyze } from "../../../compiler/ir/analysis.js";
import { checkFile } from "../../../compiler/check.js";

function counts(file: string, model: string) {
  const r = checkFile(file, { model });
  expect(r.diagnostics).toEqual([]);
  const a = analyze(r.graphs[0]!);
  return { params: a.params, madds: a.multiplyAdds, depth: a.depth };
}

describe("the ResNet family's parameters (torchvision and timm)", () => {
  it.each([
    ["resnext.resnet", "resnext50_32x4d", 25_028_904, 50],
    ["resnext.resnet", "resnext101_32x8d", 88_791_336, 101],
    ["resnext.resnet", "resnext101_64x4d", 83_455_272, 101],
    ["wide.resnet", "wide_resnet50_2", 68_883_240, 50],
    ["wide.resnet", "wide_resnet101_2", 126_886_696, 101],
    ["se-resnet.resnet", "seresnet50", 28_088_024, 50],
    ["resnet-d.resnet", "resnet50d", 25_576_264, 52],
  ])("%s %s: %i parameters, depth %i", (file, model, params, depth) => {
    const c = counts(`examples/family/${file}`, model);
    expect([c.params, c.depth]).toEqual([params, depth]);
  });

  it("ResNeXt-50 32x4d: 4.23 G multiply-adds (torchvision: 4.23 GFLOPS)", () => {
    const c = counts("examples/family/resnext.resnet", "resnext50_32x4d");
    expect(c.madds).toBe(4_230_479_872);
    expect(+(c.madds / 1e9).toFixed(2)).toBe(4.23);
  });

  it("Wide ResNet-50-2: 11.40 G multiply-adds (torchvision: 11.4 GFLOPS)", () => {
    const c = counts("examples/family/wide.resnet", "wide_resnet50_2");
    expect(c.madds).toBe(11_398_021_120);
    expect(+(c.madds / 1e9).toFixed(1)).toBe(11.4);
  });
});

/**
 * WRN-d-k by the paper's definition (n = (d-4)/6 pre-activation blocks per group, widths 16k,
 * 32k, 64k): 3x3 stem conv to 16; per block BN + 3x3 conv + BN + 3x3 conv; a 1x1 projection where
 * the width changes; final BN and fc. `projectionBn`: resnetc's option B adds a BN to each
 * projection (the paper's code has none).
 */
function wrnParams(depth: number, k: number, classes: number, projectionBn: boolean): number {
  const n = (depth - 4) / 6;
  let p = 3 * 3 * 3 * 16;
  let cin = 16;
  for (const w of [16 * k, 32 * k, 64 * k]) {
    for (let i = 0; i < n; i++) {
      p += 2 * cin + 9 * cin * w + 2 * w + 9 * w * w;
      if (cin !== w) p += cin * w + (projectionBn ? 2 * w : 0);
      cin = w;
    }
  }
  return p + 2 * cin + cin * classes + classes;
}

describe("CIFAR WRN-28-10 (Zagoruyko & Komodakis 2016: 36.5M)", () => {
  it("the paper's definition gives 36,479,194; resnetc's option B adds 3 projection BNs", () => {
    expect(wrnParams(28, 10, 10, false)).toBe(36_479_194);
    const c = counts("examples/family/wide.resnet", "wrn28_10");
    expect(c.params).toBe(wrnParams(28, 10, 10, true));
    expect(c.params - wrnParams(28, 10, 10, false)).toBe(2 * (160 + 320 + 640));
    expect(+(c.params / 1e6).toFixed(1)).toBe(36.5);
  });
});
