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

  it("reports a string left open at its opening quote, once", () => {
    const text = src('use "blocks.resnet', ...good.trimEnd().split("\n"));
    expect(diagnose(text)).toEqual([
      {
        code: "RN001",
        message: "unterminated string",
        line: 1,
        col: 5,
        hint: 'close it with " on the same line',
      },
    ]);
  });

  it("accepts the same file without the stray characters", () => {
    expectClean(good);
  });
});

describe("RN002 syntax error", () => {
  it("explains a size written with spaces", () => {
    // The 'x' follows a number, so it is a size written with spaces (inside a layer body too).
    const text = block.replace("conv 3x3, c, relu none", "conv 3 x 3, c");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "unexpected 'x' at the end of the statement",
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
        hint: "write sizes without spaces, e.g. 32x32x3",
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

  it("gives the spaces hint for an 'x' only after a number", () => {
    const text = good.replace("conv 3x3, 16", "conv x, 16");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "unexpected 'x' at the end of the statement",
        line: 3,
        col: 21,
        hint: "one statement per line; remove it, or separate statements with ';'",
      },
    ]);
  });

  it("explains a negative number where a subtraction was meant", () => {
    const text = good.replace("widths [16, 32, 64]", "widths [16, 32, 64 -1]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "expected ']' but found '-1'",
        line: 4,
        col: 60,
        hint: "'-1' right after a space is a negative number; to subtract, write '- 1'",
      },
    ]);
  });

  it("names an operator by its sign", () => {
    const text = good.replace("basic x [1, 1, 1]", "basic x [1, 1, *]");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "unexpected '*' in an expression: expected an integer, a number, a name, '-', '('",
        line: 4,
        col: 38,
      },
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

describe("lines that are not statements", () => {
  const MODEL_STATEMENT =
    "expected a model statement: input, shortcut, stem, variants, stages, stage, head or train";
  const NUMBER_HINT = "a statement starts with a name; is this number part of the line above?";
  const ONE_PER_LINE = "one statement per line; remove it, or separate statements with ';'";

  it("reports a line of a model that starts with a number, and goes on at the next line", () => {
    const text = good.replace("  input 32x32x3\n", "  input 32x32x3\n  32\n");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: `unexpected '32': ${MODEL_STATEMENT}`,
        line: 3,
        col: 3,
        hint: NUMBER_HINT,
      },
    ]);
  });

  it("reports a line of a model that starts with a string", () => {
    expect(diagnose(good.replace("  input 32x32x3\n", '  input 32x32x3\n  "hello"\n'))).toEqual([
      { code: "RN002", message: `unexpected '"hello"': ${MODEL_STATEMENT}`, line: 3, col: 3 },
    ]);
  });

  it("reports a line of a model that starts with a list, naming its '['", () => {
    expect(diagnose(good.replace("  input 32x32x3\n", "  input 32x32x3\n  [1, 2]\n"))).toEqual([
      { code: "RN002", message: `unexpected '[': ${MODEL_STATEMENT}`, line: 3, col: 3 },
    ]);
  });

  it("reports a line of a layer body that starts with no name", () => {
    const text = good.replace(
      "  stem conv1 { conv 3x3, 16 }",
      "  stem conv1 {\n    conv 3x3, 16\n    3x3, 16\n  }",
    );
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "unexpected '3x3': expected a layer or setting name, or '}'",
        line: 5,
        col: 5,
        hint: NUMBER_HINT,
      },
    ]);
  });

  it("reports a statement after ';' that starts with no name", () => {
    const text = good.replace("global avgpool; fc 10", "global avgpool; 10");
    expect(diagnose(text)).toEqual([
      {
        code: "RN002",
        message: "unexpected '10': expected a layer or setting name, or '}'",
        line: 5,
        col: 26,
        hint: NUMBER_HINT,
      },
    ]);
  });

  it("reports what follows a statement on its line", () => {
    expect(diagnose(good.replace("input 32x32x3", "input 32x32x3 64"))).toEqual([
      {
        code: "RN002",
        message: "unexpected '64' at the end of the statement",
        line: 2,
        col: 17,
        hint: ONE_PER_LINE,
      },
    ]);
    expect(diagnose(good.replace("fc 10 }", "fc 10 } 5"))).toEqual([
      {
        code: "RN002",
        message: "unexpected '5' at the end of the statement",
        line: 5,
        col: 34,
        hint: ONE_PER_LINE,
      },
    ]);
    const stage = src(
      "model m {",
      "  input 32x32x3",
      "  stage conv2: basic(16) x 2 3",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(stage)).toEqual([
      {
        code: "RN002",
        message: "unexpected '3' at the end of the statement",
        line: 3,
        col: 30,
        hint: ONE_PER_LINE,
      },
    ]);
  });

  it("reports what stands outside any declaration", () => {
    expect(diagnose("42\n" + good)).toEqual([
      {
        code: "RN002",
        message: "unexpected '42': expected 'model', 'block' or 'use'",
        line: 1,
        col: 1,
      },
    ]);
    expect(diagnose(good + "}\n")).toEqual([
      {
        code: "RN002",
        message: "unexpected '}': expected 'model', 'block' or 'use'",
        line: 7,
        col: 1,
      },
    ]);
    expect(diagnose(good.replace("model cifar {", "modle cifar {"))).toEqual([
      {
        code: "RN002",
        message: "unexpected 'modle': expected 'model', 'block' or 'use'",
        line: 1,
        col: 1,
      },
    ]);
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
    // The list's error is the only one of line 4: parsing goes on inside the model at line 5.
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

  it("reports one syntax error per line", () => {
    // What follows the list's error on its line is an echo of it: only that error is shown.
    const text = good.replace("widths [16, 32, 64]", "widths [16, 32 64] 7");
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

  it("reports several lines that are not statements, each once", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  32",
      "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64]",
      "  head {",
      "    global avgpool",
      "    10",
      "    fc 10",
      "  }",
      "}",
    );
    expect(diagnose(text).map((d) => [d.code, d.line, d.col])).toEqual([
      ["RN002", 3, 3],
      ["RN002", 7, 5],
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
