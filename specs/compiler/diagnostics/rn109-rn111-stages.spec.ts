// Stages: RN109 (unknown shortcut option), RN110 (errors in a `stages` range or its lists, and in
// a `stage` statement's options) and RN111 (`stages` that say no block type).
import { describe, expect, it } from "vitest";
import { diagnose, expectClean } from "./helpers.js";

const SHORTCUTS =
  "shortcut is A (identity + zero padding), B (projection where the shape changes), " +
  "C (projection everywhere), D (average pool + projection where the shape changes), identity, or none (a plain network)";

const STAGES = "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64] strides [1, 2, 2]";

const good = [
  "model m {",
  "  input 32x32x3",
  "  shortcut B",
  "  stem conv1 { conv 3x3, 16 }",
  STAGES + " shortcuts [A, B, C]",
  "  stage conv5: basic(128) x 1, stride 2, shortcut C",
  "  head { global avgpool; fc 10 }",
  "}",
  "",
].join("\n");

/** The good file with the stages line (5) or the stage line (6) replaced. */
function stages(line: string): string {
  return good.replace(/ {2}stages .*/, line);
}
function stage(line: string): string {
  return good.replace(/ {2}stage conv5.*/, line);
}

describe("RN109 unknown shortcut option", () => {
  it("reports the model's shortcut option", () => {
    expect(diagnose(good.replace("shortcut B", "shortcut E"))).toEqual([
      { code: "RN109", message: "unknown shortcut option 'E'", line: 3, col: 12, hint: SHORTCUTS },
    ]);
  });

  it("reports a stage's shortcut option", () => {
    expect(diagnose(good.replace("shortcut C", "shortcut projection"))).toEqual([
      {
        code: "RN109",
        message: "unknown shortcut option 'projection'",
        line: 6,
        col: 51,
        hint: SHORTCUTS,
      },
    ]);
  });

  it("reports an entry of a stages shortcuts list", () => {
    expect(diagnose(good.replace("shortcuts [A, B, C]", "shortcuts [A, Z, C]"))).toEqual([
      { code: "RN109", message: "unknown shortcut option 'Z'", line: 5, col: 93, hint: SHORTCUTS },
    ]);
  });

  it("accepts every option, in either case", () => {
    expectClean(good);
    for (const opt of ["A", "b", "c", "none"])
      expectClean(good.replace("shortcut C", `shortcut ${opt}`));
    // identity only where the block keeps the shape (conv2).
    expectClean(good.replace("shortcuts [A, B, C]", "shortcuts [identity, B, C]"));
  });
});

describe("RN110 stages range and lists", () => {
  it("suggests the stages option that was meant", () => {
    const text = stages(
      "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64] stride [1, 2, 2]",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN110",
        message: "stages has no option 'stride'",
        line: 5,
        col: 61,
        hint: "did you mean 'strides'?",
      },
    ]);
  });

  it("reports a range that falls", () => {
    const text = stages("  stages conv4..conv2 basic x [1, 1, 1] widths [16, 32, 64]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN110",
        message: "'conv4..conv2' is not a range of stage names",
        line: 5,
        col: 10,
        hint: "write names that differ only in a rising number, e.g. conv2..conv5",
      },
    ]);
  });

  it("reports names without a common stem and a number", () => {
    const text = stages("  stages early..late basic x [1, 1] widths [16, 32]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN110",
        message: "'early..late' is not a range of stage names",
        line: 5,
        col: 10,
        hint: "write names that differ only in a rising number, e.g. conv2..conv5",
      },
    ]);
  });

  it("reports stages without widths, suggesting some", () => {
    const text = stages("  stages conv2..conv4 basic x [1, 1, 1] strides [1, 2, 2]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN110",
        message: "stages conv2..conv4 need widths",
        line: 5,
        col: 10,
        hint: "add e.g. widths [64, 128, 256]",
      },
    ]);
  });

  it("reports each list whose length does not match the range", () => {
    const text = stages(
      "  stages conv2..conv4 basic x [1, 1] widths [16, 32, 64, 128] strides [1, 2] shortcuts [A]",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN110",
        message: "the block count list has 2 values but conv2..conv4 names 3 stages",
        line: 5,
        col: 23,
      },
      {
        code: "RN110",
        message: "widths has 4 values but conv2..conv4 names 3 stages",
        line: 5,
        col: 38,
      },
      {
        code: "RN110",
        message: "strides has 2 values but conv2..conv4 names 3 stages",
        line: 5,
        col: 63,
      },
      {
        code: "RN110",
        message: "shortcuts has 1 value but conv2..conv4 names 3 stages",
        line: 5,
        col: 78,
      },
    ]);
  });

  it("reports a stages option given twice, at the second", () => {
    const text = stages(
      "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64] widths [16, 32, 64] strides [1, 2, 2]",
    );
    expect(diagnose(text)).toEqual([
      { code: "RN110", message: "'widths' is given twice", line: 5, col: 61 },
    ]);
  });

  it("reports a stage option that is neither stride nor shortcut", () => {
    expect(diagnose(stage("  stage conv5: basic(128) x 1, strid 2"))).toEqual([
      {
        code: "RN110",
        message: "stage takes 'stride S', 'shortcut X' and 'drop_path P' after the block count",
        line: 6,
        col: 32,
        hint: "did you mean 'stride'?",
      },
    ]);
    expect(diagnose(stage("  stage conv5: basic(128) x 1, 2"))).toEqual([
      {
        code: "RN110",
        message: "stage takes 'stride S', 'shortcut X' and 'drop_path P' after the block count",
        line: 6,
        col: 32,
      },
    ]);
  });

  it("accepts ranges and lists that match, and strides left to their default", () => {
    expectClean(good);
    // Without strides, the first stage keeps the size and every later one halves it.
    const r = expectClean(stages("  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64]"));
    expect(r.graphs[0].groups.map((g) => `${g.name} ${g.output.join("x")}`)).toEqual([
      "conv1 32x32x16",
      "conv2 32x32x16",
      "conv3 16x16x32",
      "conv4 8x8x64",
      "conv5 4x4x128",
      "head 10",
    ]);
  });
});

describe("RN111 stages without a block type", () => {
  it("reports stages that name no block type in a model without variants", () => {
    const text = stages("  stages conv2..conv4 widths [16, 32, 64] strides [1, 2, 2]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN111",
        message: "stages conv2..conv4 say no block type",
        line: 5,
        col: 10,
        hint:
          "write e.g. `basic x [2, 2, 2, 2]` after the range, " +
          "or give each variant one (`18: basic x [2, 2, 2, 2]`)",
      },
    ]);
  });

  it("names the variants that give no block type", () => {
    const text = good
      .replace(
        "  shortcut B",
        "  shortcut B\n  variants {\n    8: basic x [1, 1, 1]\n    50: n = 1\n  }",
      )
      .replace("basic x [1, 1, 1] widths", "widths");
    expect(diagnose(text)).toEqual([
      {
        code: "RN111",
        message: "stages conv2..conv4 say no block type (variant 50)",
        line: 9,
        col: 10,
        hint:
          "write e.g. `basic x [2, 2, 2, 2]` after the range, " +
          "or give each variant one (`18: basic x [2, 2, 2, 2]`)",
      },
    ]);
    expect(diagnose(text.replace("8: basic x [1, 1, 1]", "8: n = 2"))[0].message).toBe(
      "stages conv2..conv4 say no block type (variants 8, 50)",
    );
  });

  it("accepts the block type given by the stages or by every variant", () => {
    expectClean(good);
    expectClean(
      good
        .replace(
          "  shortcut B",
          "  shortcut B\n  variants {\n    8: basic x [1, 1, 1]\n    14: basic x [2, 2, 2]\n  }",
        )
        .replace("basic x [1, 1, 1] widths", "widths"),
    );
  });
});
