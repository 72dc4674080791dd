// RN123: a drop probability (`dropout P`, `drop_path P`, a stage's `drop_path P`) outside
// 0 <= P < 1, or a malformed `drop_path` statement.
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const HINT = "write the probability of dropping, e.g. 0.3 (Wide ResNet's dropout) or 0.1";

function model(...lines: string[]): string {
  return src(
    "block w(c, stride = 1, p = 0.3) {",
    "  conv 3x3, c, stride stride",
    "  dropout p",
    "  conv 3x3, c, relu none",
    "}",
    "model m {",
    "  input 32x32x3",
    ...lines.map((l) => "  " + l),
    "  head { global avgpool; dropout 0.2; fc 10 }",
    "}",
  );
}

describe("RN123 drop probabilities", () => {
  it("reports a dropout of 1 or more, at the value, naming the variant's value", () => {
    expect(diagnose(model("stages conv2..conv3 w(p = 1.5) x [1, 1] widths [16, 32]"))).toEqual([
      {
        code: "RN123",
        message: "a dropout probability must be at least 0 and below 1, got 1.5",
        line: 3,
        col: 11,
        hint: HINT,
      },
    ]);
  });

  it("reports a negative drop_path and a drop_path of 1", () => {
    const text = model("drop_path -0.1", "stage conv2: w(16) x 2, drop_path 1");
    expect(diagnose(text).map((d) => [d.code, d.message, d.line, d.col])).toEqual([
      ["RN123", "a drop_path probability must be at least 0 and below 1, got -0.1", 8, 13],
      ["RN123", "a drop_path probability must be at least 0 and below 1, got 1", 9, 37],
    ]);
  });

  it("reports a drop_path statement with a second word other than `linear`", () => {
    expect(diagnose(model("drop_path 0.2, quadratic", "stage conv2: w(16) x 1"))).toEqual([
      {
        code: "RN123",
        message: "drop_path takes a probability and, optionally, `linear`",
        line: 8,
        col: 3,
        hint: "e.g. `drop_path 0.2` (every block) or `drop_path 0.5, linear` (rising to 0.5 at the last block)",
      },
    ]);
  });

  it("reports two drop_path statements (RN011)", () => {
    expect(
      diagnose(model("drop_path 0.1", "drop_path 0.2", "stage conv2: w(16) x 1")).map((d) => [
        d.code,
        d.message,
        d.line,
      ]),
    ).toEqual([["RN011", "model 'm' has two 'drop_path' statements", 9]]);
  });

  it("accepts 0 <= P < 1 everywhere", () => {
    expectClean(model("drop_path 0.2, linear", "stage conv2: w(16, p = 0) x 2, drop_path 0.05"));
    expectClean(model("drop_path 0", "stages conv2..conv3 w(p = 0.99) x [1, 1] widths [16, 32]"));
  });
});
