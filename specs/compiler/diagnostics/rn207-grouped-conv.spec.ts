// RN207: a grouped convolution whose input or output channels the groups do not divide (the
// message names both numbers); and RN105 for a dilated convolution with a stride.
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const HINT =
  "every group sees C_in/G input channels and makes C_out/G outputs: make both multiples of G";

function model(stem: string, groups = "g"): string {
  return src(
    `block gb(c, stride = 1, g = 4) {`,
    `  conv 3x3, c, stride stride, groups ${groups}`,
    "}",
    "model m {",
    "  input 32x32x3",
    "  shortcut none",
    `  stem { ${stem} }`,
    "  stages conv2..conv3 gb x [1, 1] widths [48, 96]",
    "  head { global avgpool; fc 10 }",
    "}",
  );
}

describe("RN207 grouped convolution channels", () => {
  it("reports a stem conv whose input channels (3) the groups do not divide, at its line", () => {
    expect(diagnose(model("conv 3x3, 48, groups 4"))).toEqual([
      {
        code: "RN207",
        message:
          "conv 3x3 with groups 4 needs channels divisible by 4, but has 3 input channels in conv1",
        line: 7,
        col: 10,
        hint: HINT,
      },
    ]);
  });

  it("reports a block's conv at the stage line, naming input and output channels", () => {
    const text = model("conv 3x3, 50").replace("gb x [1, 1]", "gb(g = 7) x [1, 1]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN207",
        message:
          "conv 3x3 with groups 7 needs channels divisible by 7, but has 50 input channels and 48 output channels in conv2_1",
        line: 8,
        col: 3,
        hint: HINT,
      },
      {
        code: "RN207",
        message:
          "conv 3x3 with groups 7 needs channels divisible by 7, but has 48 input channels and 96 output channels in conv3_1",
        line: 8,
        col: 3,
        hint: HINT,
      },
    ]);
  });

  it("accepts groups that divide both", () => {
    expectClean(model("conv 3x3, 48"));
    expectClean(model("conv 3x3, 48").replace("gb x [1, 1]", "gb(g = 48) x [1, 1]"));
  });
});

describe("RN105 dilation with a stride", () => {
  it("reports `dilation` with a stride other than 1", () => {
    expect(diagnose(model("conv 3x3, 48, stride 2, dilation 2"))).toEqual([
      {
        code: "RN105",
        message: "'conv' takes dilation 2 only with stride 1, got stride 2",
        line: 7,
        col: 10,
        hint: "an atrous convolution keeps the size: use stride 1 (TensorFlow's rule), or dilation 1",
      },
    ]);
    expectClean(model("conv 3x3, 48, dilation 2"));
  });
});
