// Diagrams of the family: ResNeXt's grouped 3x3 (C=32), SE, option D's pooled projection,
// dropout, drop path and dilation appear on their blocks, in every format.
import { describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { diagramOf, toDot, toMermaid, toSvg } from "../../../compiler/graph/index.js";

function diagram(file: string, model: string) {
  const g = checkFile(`examples/family/${file}`, { model }).graphs[0]!;
  return diagramOf(g);
}

const texts = (d: ReturnType<typeof diagram>) =>
  d.nodes.map((n) => [n.title, ...n.lines].join(" / "));

describe("family diagrams", () => {
  it("ResNeXt-50: the grouped 3x3 says C=32", () => {
    const d = diagram("resnext.resnet", "resnext50_32x4d");
    expect(texts(d)).toContain(
      "conv2_1 / 1x1 conv, 128 · BN · ReLU / 3x3 conv, 128, C=32 · BN · ReLU / 1x1 conv, 256 · BN",
    );
    for (const out of [toDot(d), toMermaid(d), toSvg(d)]) expect(out).toContain("C=32");
  });

  it("SE-ResNet-50: the block ends in SE with its C/r units", () => {
    expect(texts(diagram("se-resnet.resnet", "seresnet50")).join("\n")).toContain(
      "1x1 conv, 256 · BN / SE, 16",
    );
  });

  it("ResNet-50-D: the projection pools before its 1x1 where the size halves", () => {
    const t = texts(diagram("resnet-d.resnet", "resnet50d"));
    expect(t).toContain("projection / avgpool 2x2, /2 / 1x1 conv, 512 · BN");
    expect(t).toContain("projection / 1x1 conv, 256 · BN");
  });

  it("digits twins: dropout, dilation and drop path", () => {
    const wide = texts(diagram("digits.resnet", "wide_digits")).join("\n");
    expect(wide).toContain("dropout 0.3");
    const dil = texts(diagram("digits.resnet", "dilated_digits")).join("\n");
    expect(dil).toContain("3x3 conv, 16, dilation 2 · BN / drop path 0.05");
  });
});
