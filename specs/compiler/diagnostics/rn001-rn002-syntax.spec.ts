// RN001 (a character the lexer does not know) and RN002 (syntax errors), with error recovery:
// one run reports every syntax error of a file, each where it is.
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const good = src(
  "model cifar {",
  "  input 32x32x3",
  "  stem conv1 { conv 3x3, 16 }",
  "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64] strides [1, 2, 2]",
  "  head { global avgpool; fc 10 }",
  "}",
);

const block = src(
  "block wide(c, stride = 1) {",
  "  conv 3x3, c, stride stride",
  "  conv 3x3, c, relu none",
  "}",
  "model m {",
  "  input 32x32x3",
  "  stages conv2..conv3 wide x [1, 1] widths [16, 32] strides [1, 2]",
  "  head { global avgpool; fc 10 }",
  "}",
);

describe("RN001 unexpected character", () => {
  it("points at a character the language does not use", () => {
    const text = good.replace("input 32x32x3", "input 32x32x3 @");
    expect(diagnose(text)).toEqual([
      { code: "RN001", message: 'unexpected character "@"', line: 2, col: 17 },
    ]);
  });

  it("reports a run of unknown characters once", () => {
    const text = good.replace("conv 3x3, 16", "conv 3x3, 16 ##");
    expect(diagnose(text)).toEqual([
      { code: "RN001", message: 'unexpected character "##"', line: 3, col: 29 },
    ]);
  });

  it("reports a closing bracket that closes nothing once, with a hint", () => {
    const text = good.replace("fc 10", "fc 10 ]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN001",
        message: 'unexpected character "]"',
        line: 5,
        col: 32,
        hint: "this bracket closes nothing: check the brackets before it",
      },
    ]);
  });

  it("accepts the same file without the stray characters", () => {
    expectClean(good);
  });
});

describe("RN002 syntax error", () => {
  it("explains a size written with spaces", () => {
    const text = block.replace("conv 3x3, c, relu none", "conv 3 x 3, c");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "expected '}' but found 'x'",
        line: 3,
        col: 10,
        hint: "write sizes without spaces, e.g. 3x3 or 224x224x3",
      },
    ]);
  });

  it("reports an input size that is not a size", () => {
    const text = good.replace("input 32x32x3", "input 32");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "expected a size such as 3x3 or 224x224x3 but found '32'",
        line: 2,
        col: 9,
      },
    ]);
  });

  it("reports a list with a missing comma at the value after the gap", () => {
    const text = good.replace("widths [16, 32, 64]", "widths [16, 32 64]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "expected ']' but found '64'",
        line: 4,
        col: 56,
        hint: "lists are written [1, 2, 3]",
      },
    ]);
  });

  it("reports an unclosed '{' at the last character of the file", () => {
    const text = good.replace(/\}\n$/, "");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "expected '}' but found end of file",
        line: 5,
        col: 32,
        hint: "a '{' is never closed",
      },
    ]);
  });

  it("reports a missing ')' in a block's parameter list", () => {
    const text = block.replace("wide(c, stride = 1)", "wide(c, stride = 1");
    expect(diagnose(text)).toEqual([
      { code: "RN002", message: "expected ')' but found '{'", line: 1, col: 26 },
    ]);
  });

  it("reports a missing 'x' between a stage's block and its count", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  stage conv2: basic(16) 2",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      { code: "RN002", message: "expected 'x' but found '2'", line: 3, col: 26 },
    ]);
  });

  it("accepts the corrected files", () => {
    expectClean(good);
    expectClean(block);
    expectClean(
      src(
        "model m {",
        "  input 32x32x3",
        "  stage conv2: basic(16) x 2",
        "  head { global avgpool; fc 10 }",
        "}",
      ),
    );
  });
});

describe("error recovery", () => {
  it("reports two separate syntax errors, each at its own place", () => {
    const text = block
      .replace("wide(c, stride = 1)", "wide(c stride = 1)")
      .replace("widths [16, 32]", "widths [16 32]");
    expect(diagnose(text)).toEqual([
      { code: "RN002", message: "expected ')' but found 'stride'", line: 1, col: 14 },
      {
        code: "RN002",
        message: "expected ']' but found '32'",
        line: 7,
        col: 48,
        hint: "lists are written [1, 2, 3]",
      },
    ]);
  });

  it("reports a lexical and a syntax error of one file together", () => {
    const text = good.replace("conv 3x3, 16", "conv 3x3, 16 $").replace("[1, 2, 2]", "[1, 2 2]");
    expect(diagnose(text)).toEqual([
      { code: "RN001", message: 'unexpected character "$"', line: 3, col: 29 },
      {
        code: "RN002",
        message: "expected ']' but found '2'",
        line: 4,
        col: 75,
        hint: "lists are written [1, 2, 3]",
      },
    ]);
  });

  it("does not go on to name or shape checks after a syntax error", () => {
    // `basik` is no block type and the head has no pooling, but only the syntax error is reported.
    const text = good
      .replace("basic x", "basik x")
      .replace("global avgpool; ", "")
      .replace("input 32x32x3", "input 32x32x3 @");
    expect(diagnose(text).map((d) => d.code)).toEqual(["RN001"]);
  });
});
