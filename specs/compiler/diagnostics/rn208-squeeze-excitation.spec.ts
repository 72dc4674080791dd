// RN208: `se R` on a feature map whose channels R does not divide (the squeeze has C/R units).
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

function model(reduction: number): string {
  return src(
    `block s(c, stride = 1) {`,
    "  conv 3x3, c, stride stride",
    `  se ${reduction}`,
    "}",
    "model m {",
    "  input 32x32x3",
    "  stem { conv 3x3, 24 }",
    "  stages conv2..conv3 s x [1, 1] widths [24, 48]",
    "  head { global avgpool; fc 10 }",
    "}",
  );
}

describe("RN208 squeeze-and-excitation reduction", () => {
  it("reports a reduction that does not divide the channels, at the stage line, per stage", () => {
    expect(diagnose(model(16))).toEqual([
      {
        code: "RN208",
        message: "se 16 needs channels divisible by 16, but conv2_1 has 24",
        line: 8,
        col: 3,
        hint: "the squeeze has C/R units: choose R dividing 24, e.g. 12",
      },
    ]);
  });

  it("reports a prelude block's se at the stage line, naming the prelude's line", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  stem { conv 3x3, 16 }",
      "  stages conv2..conv2 se_bottleneck(reduction = 5) x [1] widths [16]",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    const [d] = diagnose(text);
    expect(d).toMatchObject({ code: "RN208", line: 4, col: 3 });
    expect(d!.message).toMatch(
      /^se 5 needs channels divisible by 5, but conv2_1 has 64 \(se 5 at prelude\.resnet:\d+\)$/,
    );
  });

  it("accepts a reduction that divides the channels", () => {
    expectClean(model(8));
    expectClean(model(24));
  });
});
