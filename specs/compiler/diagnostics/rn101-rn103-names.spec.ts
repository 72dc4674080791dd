// Names: RN101 (unknown block type), RN102 (a block, model, parameter, variant or binding defined
// twice) and RN103 (an unknown name in an expression).
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const BLOCK_TYPES =
  "block types: basic, bottleneck, bottleneck_v15, preact_basic, preact_bottleneck, resnext_bottleneck, se_bottleneck, wide_basic";

const good = src(
  "block wide(c, stride = 1, k = 2) {",
  "  conv 3x3, k * c, stride stride",
  "  conv 3x3, k * c, relu none",
  "}",
  "model cifar {",
  "  input 32x32x3",
  "  shortcut B",
  "  stem conv1 { conv 3x3, 16 }",
  "  variants {",
  "    20: n = 3",
  "    32: n = 5",
  "  }",
  "  stages conv2..conv4 basic x [n, n, n] widths [16, 32, 64] strides [1, 2, 2]",
  "  stage conv5: wide(64, k = 4) x 1, stride 2",
  "  head { global avgpool; fc 10 }",
  "}",
);

describe("RN101 unknown block type", () => {
  it("suggests a block type of the prelude", () => {
    expect(diagnose(good.replace("basic x", "basik x"))).toEqual([
      {
        code: "RN101",
        message: "unknown block type 'basik'",
        line: 13,
        col: 23,
        hint: "did you mean 'basic'?",
      },
    ]);
  });

  it("suggests a block type of the file", () => {
    expect(diagnose(good.replace("wide(64", "wdie(64"))).toEqual([
      {
        code: "RN101",
        message: "unknown block type 'wdie'",
        line: 14,
        col: 16,
        hint: "did you mean 'wide'?",
      },
    ]);
  });

  it("lists the block types when nothing is close", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  stage conv2: resnext(16) x 1",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN101",
        message: "unknown block type 'resnext'",
        line: 3,
        col: 16,
        hint: BLOCK_TYPES,
      },
    ]);
  });

  it("accepts the block types spelt right", () => {
    expectClean(good);
  });
});

describe("RN102 duplicate definition", () => {
  it("reports a block defined twice at the second name", () => {
    const text = good.replace("model cifar {", "block wide(c) {\n  conv 3x3, c\n}\nmodel cifar {");
    expect(diagnose(text)).toEqual([
      {
        code: "RN102",
        message: "block 'wide' is defined twice",
        line: 5,
        col: 7,
        hint: "the first definition is at spec.resnet:1:7",
      },
    ]);
  });

  it("reports a model defined twice", () => {
    const second = src(
      "model cifar {",
      "  input 32x32x3",
      "  stage conv2: basic(16) x 1",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    const text = good + second;
    expect(diagnose(text)).toEqual([
      {
        code: "RN102",
        message: "model 'cifar' is defined twice",
        line: 17,
        col: 7,
        hint: "the first definition is at spec.resnet:5:7",
      },
    ]);
  });

  it("reports a block parameter declared twice", () => {
    const text = good.replace("k = 2) {", "k = 2, k = 3) {");
    expect(diagnose(text)).toEqual([
      {
        code: "RN102",
        message: "parameter 'k' of block 'wide' is declared twice",
        line: 1,
        col: 34,
      },
    ]);
  });

  it("reports a variant defined twice", () => {
    const text = good.replace("    32: n = 5", "    20: n = 5");
    expect(diagnose(text)).toEqual([
      {
        code: "RN102",
        message: "variant '20' is defined twice in model 'cifar'",
        line: 11,
        col: 5,
      },
    ]);
  });

  it("reports a name bound twice in one variant", () => {
    const text = good.replace("32: n = 5", "32: n = 5, n = 2");
    expect(diagnose(text)).toEqual([
      { code: "RN102", message: "'n' is bound twice in variant '32'", line: 11, col: 16 },
    ]);
  });

  it("allows a file's block to replace a prelude block of the same name", () => {
    expectClean(good.replaceAll("wide", "basic"));
  });
});

describe("RN103 unknown name", () => {
  it("suggests a block parameter", () => {
    const text = good.replace("conv 3x3, k * c, stride stride", "conv 3x3, k * cc, stride stride");
    expect(diagnose(text)).toEqual([
      {
        code: "RN103",
        message: "unknown name 'cc'",
        line: 2,
        col: 17,
        hint: "did you mean 'c'?",
      },
    ]);
  });

  it("guesses nothing for a one-letter name: it lists the names instead", () => {
    const text = good.replace("conv 3x3, k * c, stride stride", "conv 3x3, k * d, stride stride");
    expect(diagnose(text)).toEqual([
      {
        code: "RN103",
        message: "unknown name 'd'",
        line: 2,
        col: 17,
        hint: "names defined here: c, stride, k",
      },
    ]);
  });

  it("lists the names a variant defines", () => {
    const text = good.replace("widths [16, 32, 64]", "widths [width, 32, 64]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN103",
        message: "unknown name 'width'",
        line: 13,
        col: 49,
        hint: "names defined here: n",
      },
    ]);
  });

  it("reports a name no variant defines, without a hint when there are no names", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  stages conv2..conv3 basic x [n, n] widths [16, 32]",
      "  head { global avgpool; fc classes }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      { code: "RN103", message: "unknown name 'n'", line: 3, col: 32 },
      { code: "RN103", message: "unknown name 'n'", line: 3, col: 35 },
      { code: "RN103", message: "unknown name 'classes'", line: 4, col: 29 },
    ]);
  });

  it("accepts names bound by a variant and by the block's parameters", () => {
    expectClean(good);
    expectClean(
      src(
        "model m {",
        "  input 32x32x3",
        "  variants {",
        "    small: n = 1, classes = 10",
        "  }",
        "  stages conv2..conv3 basic x [n, n] widths [16, 32]",
        "  head { global avgpool; fc classes }",
        "}",
      ),
    );
  });
});
