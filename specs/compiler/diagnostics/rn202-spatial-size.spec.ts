// RN202: a convolution or pooling that makes the feature map smaller than 1x1, or whose stride
// does not divide it. Inside a block the error points at the stage statement and names the block's
// layer; in a stem or head it points at the layer.
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const TOO_SMALL =
  "the input is too small for this many downsamplings: use a larger input or fewer stride-2 stages";
const NOT_DIVIDED = "make the input size divisible by the product of the strides up to here";

describe("RN202 spatial size", () => {
  // The ImageNet layout (a stride-2 stem and max pool, then halving stages) on a 32x32 input:
  // 32 -> 16 -> 8 (stem), 8 -> 4 -> 2 -> 1 (conv3..conv5), and conv6 has nothing left to halve.
  const imagenetOnCifar = src(
    "model imagenet_on_cifar {",
    "  input 32x32x3",
    "  stem {",
    "    conv1: conv 7x7, 64, stride 2",
    "    conv2: maxpool 3x3, stride 2",
    "  }",
    "  stages conv2..conv6 basic x [2, 2, 2, 2, 2] widths [64, 128, 256, 512, 1024] strides [1, 2, 2, 2, 2]",
    "  head { global avgpool; fc 10 }",
    "}",
  );

  it("reports too many stride-2 stages for a small input at the stages line", () => {
    expect(diagnose(imagenetOnCifar)).toEqual([
      {
        code: "RN202",
        message:
          "conv 3x3 makes the feature map smaller than 1x1 in conv6_1: 1x1 input, 3x3 window, " +
          "stride 2 (conv 3x3 at prelude.resnet:8)",
        line: 7,
        col: 3,
        hint: TOO_SMALL,
      },
    ]);
  });

  it("accepts the same network with one stage fewer, or on a larger input", () => {
    expectClean(
      imagenetOnCifar
        .replace("conv2..conv6", "conv2..conv5")
        .replace("[2, 2, 2, 2, 2]", "[2, 2, 2, 2]")
        .replace(", 1024]", "]")
        .replace("[1, 2, 2, 2, 2]", "[1, 2, 2, 2]"),
    );
    expectClean(imagenetOnCifar.replace("input 32x32x3", "input 64x64x3"));
  });

  // MNIST digits are 28x28: three halvings leave 7x7, and a fourth would give 3.5x3.5.
  const mnist = src(
    "model mnist {",
    "  input 28x28x1",
    "  shortcut A",
    "  stem conv1 {",
    "    conv 3x3, 16",
    "  }",
    "  stages conv2..conv5 basic x [1, 1, 1, 1] widths [16, 32, 64, 128] strides [1, 2, 2, 2]",
    "  head { global avgpool; fc 10 }",
    "}",
  );

  it("reports a stride that does not divide the feature map", () => {
    expect(diagnose(mnist)).toEqual([
      {
        code: "RN202",
        message:
          "stride 2 does not divide the 7x7 feature map in conv5_1: the output would be 3.5x3.5 " +
          "(conv 3x3 at prelude.resnet:8)",
        line: 7,
        col: 3,
        hint: NOT_DIVIDED,
      },
    ]);
  });

  it("accepts the MNIST network with three stages (examples/mnist)", () => {
    expectClean(
      mnist
        .replace("conv2..conv5", "conv2..conv4")
        .replace("[1, 1, 1, 1]", "[1, 1, 1]")
        .replace(", 128]", "]")
        .replace("[1, 2, 2, 2]", "[1, 2, 2]"),
    );
  });

  it("points at the layer of a stem", () => {
    const text = src(
      "model m {",
      "  input 5x5x1",
      "  stem conv1 {",
      "    conv 7x7, 16, stride 2, pad valid",
      "  }",
      "  stage conv2: basic(16) x 1",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN202",
        message:
          "conv 7x7 makes the feature map smaller than 1x1 in conv1: 5x5 input, 7x7 window, stride 2",
        line: 4,
        col: 5,
        hint: TOO_SMALL,
      },
    ]);
    expectClean(text.replace("pad valid", "pad 1"));
  });

  it("points at the pooling of a head", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  stage conv2: basic(16) x 1",
      "  head {",
      "    avgpool 3x3, stride 3",
      "    global avgpool",
      "    fc 10",
      "  }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN202",
        message:
          "stride 3 does not divide the 32x32 feature map in head: the output would be 10.67x10.67",
        line: 5,
        col: 5,
        hint: NOT_DIVIDED,
      },
    ]);
    expectClean(text.replace("stride 3", "stride 2"));
  });
});
