// The head: RN203 (fc on a feature map, conv or pooling on a flat vector) and RN206 (a head
// without fc, or one that does not end in fc or fc then softmax).
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const FLATTEN = "put `global avgpool` (the paper) or `flatten` before it";
const CLASSIFIER =
  "end the head with the classifier, e.g. `head { global avgpool; fc 1000; softmax }`";

/** The CIFAR-10 ResNet-20 with the given head layers (from line 9). */
function cifar(...head: string[]): string {
  return src(
    "model cifar {",
    "  input 32x32x3",
    "  shortcut A",
    "  stem conv1 {",
    "    conv 3x3, 16",
    "  }",
    "  stages conv2..conv4 basic x [3, 3, 3] widths [16, 32, 64] strides [1, 2, 2]",
    "  head {",
    ...head.map((l) => "    " + l),
    "  }",
    "}",
  );
}

describe("RN203 fc on a feature map, conv or pooling on a flat vector", () => {
  it("reports `head { fc 10 }` without pooling at the fc", () => {
    expect(diagnose(cifar("fc 10"))).toEqual([
      {
        code: "RN203",
        message: "fc needs a flat input, but gets a feature map of 8x8x64",
        line: 9,
        col: 5,
        hint: FLATTEN,
      },
    ]);
  });

  it("reports it once for every variant", () => {
    const text = cifar("fc 10").replace(
      "  stages conv2..conv4 basic x [3, 3, 3]",
      "  variants {\n    20: n = 3\n    32: n = 5\n  }\n  stages conv2..conv4 basic x [n, n, n]",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN203",
        message: "fc needs a flat input, but gets a feature map of 8x8x64 (variants 20, 32)",
        line: 13,
        col: 5,
        hint: FLATTEN,
      },
    ]);
  });

  it("reports a convolution after the global pooling", () => {
    expect(diagnose(cifar("global avgpool", "conv 1x1, 10", "fc 10"))).toEqual([
      {
        code: "RN203",
        message: "conv needs an HxWxC feature map, but gets a flat vector of 64",
        line: 10,
        col: 5,
        hint: "convolutions and pooling go before `global avgpool`/`flatten`",
      },
    ]);
  });

  it("reports a pooling after flatten", () => {
    expect(diagnose(cifar("flatten", "maxpool 2x2", "fc 10"))).toEqual([
      {
        code: "RN203",
        message: "maxpool needs an HxWxC feature map, but gets a flat vector of 4096",
        line: 10,
        col: 5,
        hint: "convolutions and pooling go before `global avgpool`/`flatten`",
      },
    ]);
  });

  it("names global pooling as written", () => {
    expect(diagnose(cifar("global avgpool", "global avgpool", "fc 10"))).toEqual([
      {
        code: "RN203",
        message: "global avgpool needs an HxWxC feature map, but gets a flat vector of 64",
        line: 10,
        col: 5,
        hint: "convolutions and pooling go before `global avgpool`/`flatten`",
      },
    ]);
    expect(diagnose(cifar("flatten", "global maxpool", "fc 10"))[0].message).toBe(
      "global maxpool needs an HxWxC feature map, but gets a flat vector of 4096",
    );
  });

  it("accepts pooling or flatten before fc, and a conv before the pooling", () => {
    expectClean(cifar("global avgpool", "fc 10", "softmax"));
    expectClean(cifar("global maxpool", "fc 10"));
    expectClean(cifar("flatten", "fc 10"));
    expectClean(cifar("conv 1x1, 10", "global avgpool", "fc 10"));
  });
});

describe("RN206 head without fc", () => {
  it("reports a head without fc at its first layer", () => {
    expect(diagnose(cifar("global avgpool", "softmax"))).toEqual([
      {
        code: "RN206",
        message: "the head of 'cifar' has no fc layer",
        line: 9,
        col: 5,
        hint: CLASSIFIER,
      },
    ]);
  });

  it("reports an empty head at the head statement", () => {
    expect(diagnose(cifar().replace("  head {\n  }", "  head { }"))).toEqual([
      {
        code: "RN206",
        message: "the head of 'cifar' has no fc layer",
        line: 8,
        col: 3,
        hint: CLASSIFIER,
      },
    ]);
  });

  it("reports a head that does not end with the classifier at its last layer", () => {
    expect(diagnose(cifar("global avgpool", "fc 10", "relu"))).toEqual([
      {
        code: "RN206",
        message: "the head must end with fc (or fc then softmax), but ends with 'relu'",
        line: 11,
        col: 5,
        hint: "the class scores are the model's output",
      },
    ]);
  });

  it("accepts a head that ends with fc, or fc then softmax", () => {
    expectClean(cifar("global avgpool", "fc 10"));
    expectClean(cifar("global avgpool", "fc 10", "softmax"));
    expectClean(cifar("bn", "relu", "global avgpool", "fc 64", "fc 10"));
  });
});
