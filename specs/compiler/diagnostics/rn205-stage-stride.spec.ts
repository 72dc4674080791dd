// RN205: a stage asks its block type for a stride other than 1, but the block type has no
// `stride` parameter to pass it to.
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const HINT = "add a parameter to the block: block simple(c, stride = 1) and use it in a conv";

const BLOCK = ["block simple(c) {", "  conv 3x3, c", "  conv 3x3, c, relu none", "}"];

function model(...stages: string[]): string {
  return src(
    ...BLOCK,
    "model m {",
    "  input 32x32x3",
    "  stem conv1 { conv 3x3, 16 }",
    ...stages.map((s) => "  " + s),
    "  head { global avgpool; fc 10 }",
    "}",
  );
}

describe("RN205 stage stride for a block without a stride parameter", () => {
  it("reports a stages list that asks for stride 2, at the stages line", () => {
    const text = model("stages conv2..conv3 simple x [2, 2] widths [16, 32] strides [1, 2]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN205",
        message: "block 'simple' has no 'stride' parameter, but stage conv3 has stride 2",
        line: 8,
        col: 3,
        hint: HINT,
      },
    ]);
  });

  it("reports the default strides of stages (every stage after the first halves the size)", () => {
    const text = model("stages conv2..conv3 simple x [2, 2] widths [16, 32]");
    expect(diagnose(text).map((d) => [d.code, d.line])).toEqual([["RN205", 8]]);
  });

  it("reports a `stage` statement with a stride", () => {
    const text = model("stage conv2: simple(16) x 2", "stage conv3: simple(32) x 2, stride 2");
    expect(diagnose(text)).toEqual([
      {
        code: "RN205",
        message: "block 'simple' has no 'stride' parameter, but stage conv3 has stride 2",
        line: 9,
        col: 3,
        hint: HINT,
      },
    ]);
  });

  it("accepts stride 1 everywhere, or a block with a stride parameter", () => {
    expectClean(model("stages conv2..conv3 simple x [2, 2] widths [16, 32] strides [1, 1]"));
    expectClean(model("stage conv2: simple(16) x 2", "stage conv3: simple(32) x 2"));
    expectClean(
      model("stages conv2..conv3 simple x [2, 2] widths [16, 32] strides [1, 2]").replace(
        "block simple(c) {\n  conv 3x3, c\n",
        "block simple(c, stride = 1) {\n  conv 3x3, c, stride stride\n",
      ),
    );
  });
});
