// The residual addition y = F(x) + shortcut(x): RN201 (the two shapes cannot be added) and RN204
// (option A asked to reduce channels). Both point at the stage statement that made the block, the
// line the user wrote, not at the prelude's block.
import { describe, expect, it } from "vitest";
import { check, diagnose, expectClean, src } from "./helpers.js";

const IDENTITY_HINT =
  "use `shortcut A` (zero-padding, no parameters) or `shortcut B` (1x1 projection)";

/** The CIFAR-10 networks of the paper (section 4.2), with the model's shortcut option given. */
function cifar(shortcut: string): string {
  return src(
    "model cifar_resnet {",
    "  input 32x32x3",
    `  shortcut ${shortcut}`,
    "  stem conv1 {",
    "    conv 3x3, 16",
    "  }",
    "  variants {",
    "    20: n = 3",
    "    32: n = 5",
    "  }",
    "  stages conv2..conv4 basic x [n, n, n] widths [16, 32, 64] strides [1, 2, 2]",
    "  head {",
    "    global avgpool",
    "    fc 10",
    "  }",
    "}",
  );
}

describe("RN201 residual addition shape mismatch", () => {
  it("reports each stage that doubles the channels under `shortcut identity`, once for all variants", () => {
    expect(diagnose(cifar("identity"))).toEqual([
      {
        code: "RN201",
        message:
          "residual addition needs equal shapes, got 16x16x32 (block) + 32x32x16 (shortcut) " +
          "in conv3_1 (variants 20, 32)",
        line: 11,
        col: 3,
        hint: IDENTITY_HINT,
        label: "conv3 doubles the channels and halves the size, but the shortcut is identity",
      },
      {
        code: "RN201",
        message:
          "residual addition needs equal shapes, got 8x8x64 (block) + 16x16x32 (shortcut) " +
          "in conv4_1 (variants 20, 32)",
        line: 11,
        col: 3,
        hint: IDENTITY_HINT,
        label: "conv4 doubles the channels and halves the size, but the shortcut is identity",
      },
    ]);
  });

  it("underlines the stages range, not the whole statement", () => {
    const [d] = check(cifar("identity")).diagnostics;
    const text = cifar("identity");
    expect(text.slice(d.span!.start, d.span!.end)).toBe("stages conv2..conv4");
  });

  it("reports a `stage` statement with its own shortcut option at that statement", () => {
    const text = src(
      "model cifar {",
      "  input 32x32x3",
      "  shortcut A",
      "  stem conv1 { conv 3x3, 16 }",
      "  stage conv2: basic(16) x 3",
      "  stage conv3: basic(32) x 3, stride 2, shortcut identity",
      "  stage conv4: basic(64) x 3, stride 2",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN201",
        message:
          "residual addition needs equal shapes, got 16x16x32 (block) + 32x32x16 (shortcut) in conv3_1",
        line: 6,
        col: 3,
        hint: IDENTITY_HINT,
        label: "conv3 doubles the channels and halves the size, but the shortcut is identity",
      },
    ]);
    expectClean(text.replace(", shortcut identity", ""));
  });

  it("only suggests a projection when the block reduces the channels", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  shortcut identity",
      "  stem conv1 { conv 3x3, 64 }",
      "  stage conv2: basic(32) x 1",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN201",
        message:
          "residual addition needs equal shapes, got 32x32x32 (block) + 32x32x64 (shortcut) in conv2_1",
        line: 5,
        col: 3,
        hint: "use `shortcut B` (1x1 projection)",
        label: "conv2 changes the channels from 64 to 32, but the shortcut is identity",
      },
    ]);
  });

  it("reports a block whose output size no whole stride gives", () => {
    const text = src(
      "block shrink(c, stride = 1) {",
      "  conv 3x3, c, stride stride, pad valid",
      "}",
      "model m {",
      "  input 32x32x3",
      "  stem conv1 { conv 3x3, 16 }",
      "  stage conv2: shrink(16) x 1",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN201",
        message:
          "residual addition in conv2_1 cannot match shapes: the block maps 32x32x16 to 30x30x16, " +
          "which no whole stride gives",
        line: 7,
        col: 3,
        hint: "a block may only keep the size or divide it by its stride",
      },
    ]);
    expectClean(text.replace("pad valid", "pad 1"));
  });

  it("accepts the same networks with option A or B", () => {
    expect(expectClean(cifar("A")).graphs).toHaveLength(2);
    expect(expectClean(cifar("B")).graphs).toHaveLength(2);
  });
});

describe("RN204 option A cannot reduce channels", () => {
  const narrowing = src(
    "model m {",
    "  input 32x32x3",
    "  shortcut A",
    "  stem conv1 {",
    "    conv 3x3, 64",
    "  }",
    "  stages conv2..conv4 basic x [2, 2, 2] widths [32, 64, 128] strides [1, 2, 2]",
    "  head { global avgpool; fc 10 }",
    "}",
  );

  it("reports a stage whose first block narrows the channels, at the stages line", () => {
    expect(diagnose(narrowing)).toEqual([
      {
        code: "RN204",
        message:
          "option A cannot reduce channels in conv2_1: 64 -> 32; zero padding only adds channels",
        line: 7,
        col: 3,
        hint: "use `shortcut B` (a 1x1 projection) for this stage",
      },
    ]);
  });

  it("reports a `stage` statement that asks for option A", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  stem conv1 { conv 3x3, 64 }",
      "  stage conv2: basic(32) x 2, shortcut A",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN204",
        message:
          "option A cannot reduce channels in conv2_1: 64 -> 32; zero padding only adds channels",
        line: 4,
        col: 3,
        hint: "use `shortcut B` (a 1x1 projection) for this stage",
      },
    ]);
    expectClean(text.replace("shortcut A", "shortcut B"));
  });

  it("accepts option B for the narrowing stage and option A where channels grow", () => {
    expectClean(narrowing.replace("strides [1, 2, 2]", "strides [1, 2, 2] shortcuts [B, A, A]"));
  });
});
