// Numbers: RN120 (a size, count, width, stride or padding that is not a positive whole number;
// an input that is not HxWxC) and RN121 (division by zero in an expression).
import { describe, expect, it } from "vitest";
import { diagnose, expectClean } from "./helpers.js";

const WHOLE = "widths and counts must come out whole: check the division";

const good = [
  "block wide(c, stride = 1, k = 2) {",
  "  conv 3x3, c * k / 2, stride stride",
  "  conv 3x3, c, relu none",
  "}",
  "model m {",
  "  input 32x32x3",
  "  stem conv1 {",
  "    conv 3x3, 16, pad 1",
  "  }",
  "  stages conv2..conv4 wide x [1, 1, 2 - 1] widths [16, 64 / 2, 64] strides [1, 2, 2]",
  "  head { global avgpool; fc 10 }",
  "}",
  "",
].join("\n");

describe("RN120 non-positive or non-integer number", () => {
  const cases: [string, string, string, object][] = [
    [
      "an input of two numbers",
      "input 32x32x3",
      "input 32x32",
      {
        message: "input must be HxWxC (three numbers), got 32x32",
        line: 6,
        col: 9,
        hint: "e.g. input 224x224x3",
      },
    ],
    [
      "an input with a zero size",
      "input 32x32x3",
      "input 0x32x3",
      { message: "input sizes must be positive, got 0x32x3", line: 6, col: 9 },
    ],
    [
      "a zero kernel size",
      "conv 3x3, 16, pad 1",
      "conv 0x3, 16, pad 1",
      { message: "kernel size must be a positive integer, got 0x3", line: 8, col: 10 },
    ],
    [
      "zero channels",
      "conv 3x3, 16, pad 1",
      "conv 3x3, 0, pad 1",
      { message: "number of channels must be a positive integer, got 0", line: 8, col: 15 },
    ],
    [
      "a division that leaves a fraction of a channel",
      "conv 3x3, 16, pad 1",
      "conv 3x3, 16 / 3, pad 1",
      {
        message: "number of channels must be a positive integer, got 5.33333",
        line: 8,
        col: 15,
        hint: WHOLE,
      },
    ],
    [
      "a zero stride",
      "conv 3x3, 16, pad 1",
      "conv 3x3, 16, stride 2 - 2",
      { message: "stride must be a positive integer, got 0", line: 8, col: 26 },
    ],
    [
      "a padding that is not whole",
      "conv 3x3, 16, pad 1",
      "conv 3x3, 16, pad 1.5",
      {
        message: "padding must be 'same', 'valid' or a whole number >= 0, got 1.5",
        line: 8,
        col: 23,
      },
    ],
    [
      "a negative number of units",
      "fc 10",
      "fc -10",
      { message: "number of units must be a positive integer, got -10", line: 11, col: 29 },
    ],
    [
      "a zero block count",
      "x [1, 1, 2 - 1]",
      "x [1, 1, 1 - 1]",
      { message: "a block count must be a positive integer, got 0", line: 10, col: 37 },
    ],
    [
      "a width that is not whole",
      "64 / 2, 64]",
      "64 / 3, 64]",
      {
        message: "a width must be a positive integer, got 21.3333",
        line: 10,
        col: 56,
        hint: WHOLE,
      },
    ],
    [
      "a zero stride of a stage",
      "strides [1, 2, 2]",
      "strides [1, 0, 2]",
      { message: "a stride must be a positive integer, got 0", line: 10, col: 80 },
    ],
  ];

  for (const [what, from, to, d] of cases) {
    it(`reports ${what}`, () => {
      const text = good.replace(from, to);
      expect(text).not.toBe(good);
      expect(diagnose(text)).toEqual([{ code: "RN120", ...d }]);
    });
  }

  it("accepts whole positive numbers, however they are computed", () => {
    expectClean(good);
  });
});

describe("RN120 and RN121 in variants", () => {
  /** The good file with a variants section (one binding a line), and `from` replaced by `to`. */
  function variants(bindings: string[], from: string, to: string): string {
    const text = good
      .replace(
        "  stem conv1 {",
        `  variants {\n${bindings.map((b) => `    ${b}\n`).join("")}  }\n  stem conv1 {`,
      )
      .replace(from, to);
    expect(text).not.toBe(good);
    return text;
  }

  it("names the variant a bad value comes from", () => {
    const text = variants(["20: n = 1", "32: n = 0"], "x [1, 1, 2 - 1]", "x [1, 1, n]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN120",
        message: "a block count must be a positive integer, got 0 (variant 32)",
        line: 14,
        col: 37,
      },
    ]);
  });

  it("names the variants that share a bad value once", () => {
    const text = variants(
      ["20: n = 0", "32: n = 0", "44: n = 1"],
      "[16, 64 / 2, 64]",
      "[16 * n, 64 / 2, 64]",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN120",
        message: "a width must be a positive integer, got 0 (variants 20, 32)",
        line: 15,
        col: 52,
      },
    ]);
  });

  it("names the variant that divides by zero", () => {
    const text = variants(["20: n = 2", "32: n = 0"], "64 / 2, 64]", "64 / n, 64]");
    expect(diagnose(text)).toEqual([
      { code: "RN121", message: "division by zero (variant 32)", line: 14, col: 56 },
    ]);
  });
});

describe("RN121 division by zero", () => {
  it("reports a division by a literal zero", () => {
    const text = good.replace("conv 3x3, 16, pad 1", "conv 3x3, 16 / 0, pad 1");
    expect(diagnose(text)).toEqual([
      { code: "RN121", message: "division by zero", line: 8, col: 15 },
    ]);
  });

  it("reports a divisor that comes out zero", () => {
    const text = good.replace("64 / 2, 64]", "64 / (2 - 2), 64]");
    expect(diagnose(text)).toEqual([
      { code: "RN121", message: "division by zero", line: 10, col: 56 },
    ]);
  });

  it("reports a division by zero inside a block at the block's line", () => {
    const text = good.replace("c * k / 2", "c * k / (k - 2)");
    expect(diagnose(text)).toEqual([
      { code: "RN121", message: "division by zero", line: 2, col: 13 },
    ]);
  });

  it("accepts the divisions that do not divide by zero", () => {
    expectClean(good);
    expectClean(good.replace("c * k / 2", "c * k / (k - 1) / 2"));
  });
});
