// Layers: RN104 (unknown layer), RN105 (bad layer arguments or options) and RN130 (a layer, or a
// group label, where it is not allowed).
import { describe, expect, it } from "vitest";
import { diagnose, expectClean } from "./helpers.js";

const CONV =
  "usage: conv KxK, CHANNELS [, stride S] [, pad same|valid|P] [, groups G] [, dilation D] [, bn none] [, relu none] [, bias]";
const LAYERS =
  "layers allowed in a head: conv, bn, relu, maxpool, avgpool, global, fc, softmax, flatten, dropout";

const good = [
  "block wide(c, stride = 1) {",
  "  conv 3x3, c, stride stride, pad same, bias",
  "  conv 3x3, c, relu none",
  "  post relu",
  "}",
  "model m {",
  "  input 32x32x3",
  "  stem conv1 {",
  "    conv 3x3, 16, bn none",
  "    pool: maxpool 3x3, stride 1",
  "  }",
  "  stages conv2..conv3 wide x [1, 1] widths [16, 32] strides [1, 2]",
  "  head {",
  "    global avgpool",
  "    fc 10",
  "    softmax",
  "  }",
  "}",
  "",
].join("\n");

/** The good file with one line replaced (1-based). */
function withLine(n: number, text: string): string {
  const lines = good.split("\n");
  lines[n - 1] = text;
  return lines.join("\n");
}

describe("RN104 unknown layer", () => {
  it("suggests the layer that was meant", () => {
    expect(diagnose(withLine(3, "  rleu"))).toEqual([
      {
        code: "RN104",
        message: "unknown layer 'rleu'",
        line: 3,
        col: 3,
        hint: "did you mean 'relu'?",
      },
    ]);
  });

  it("lists the layers when nothing is close", () => {
    expect(diagnose(withLine(15, "    dense 10"))).toEqual([
      { code: "RN104", message: "unknown layer 'dense'", line: 15, col: 5, hint: LAYERS },
    ]);
  });

  it("lists only the layers allowed where the unknown one is", () => {
    expect(diagnose(withLine(3, "  dense 10"))).toEqual([
      {
        code: "RN104",
        message: "unknown layer 'dense'",
        line: 3,
        col: 3,
        hint: "layers allowed in a block: conv, bn, relu, maxpool, avgpool, post, se, dropout",
      },
    ]);
    expect(diagnose(withLine(9, "    dense 10"))).toEqual([
      {
        code: "RN104",
        message: "unknown layer 'dense'",
        line: 9,
        col: 5,
        hint: "layers allowed in a stem: conv, bn, relu, maxpool, avgpool, global",
      },
    ]);
  });

  it("suggests a layer for a two-letter name", () => {
    expect(diagnose(withLine(15, "    fx 10"))).toEqual([
      {
        code: "RN104",
        message: "unknown layer 'fx'",
        line: 15,
        col: 5,
        hint: "did you mean 'fc'?",
      },
    ]);
  });

  it("accepts the layers spelt right", () => {
    expectClean(good);
  });
});

describe("RN105 bad layer arguments", () => {
  const cases: [string, number, string, object][] = [
    [
      "a conv without channels",
      2,
      "  conv 3x3, stride stride",
      { message: "'conv' needs a number of channels", col: 3, hint: CONV },
    ],
    [
      "a misspelt option",
      2,
      "  conv 3x3, c, strde stride",
      { message: "'conv' has no option 'strde'", col: 16, hint: "did you mean 'stride'?" },
    ],
    [
      "an option given twice",
      2,
      "  conv 3x3, c, stride stride, stride 1",
      { message: "option 'stride' is given twice", col: 31 },
    ],
    [
      "a positional argument after the options",
      3,
      "  conv 3x3, c, relu none, 2",
      { message: "positional argument after options in 'conv'", col: 27, hint: CONV },
    ],
    [
      "a kernel size with three numbers",
      3,
      "  conv 3x3x3, c, relu none",
      { message: "a kernel size has two numbers (KxK), got 3x3x3", col: 8 },
    ],
    [
      "a word where a kernel size belongs",
      3,
      '  conv "3x3", c, relu none',
      { message: "expected a kernel size such as 3x3", col: 8 },
    ],
    [
      "two values for the kernel size",
      3,
      "  conv 3x3 3x3, c, relu none",
      { message: "expected one value for the kernel size", col: 8, hint: CONV },
    ],
    [
      "a list for the channels",
      3,
      "  conv 3x3, [c, c], relu none",
      { message: "expected a number for the number of channels", col: 13, hint: CONV },
    ],
    [
      "`bn off` for `bn none`",
      9,
      "    conv 3x3, 16, bn off",
      { message: "write 'bn none' to leave the bn out", col: 19 },
    ],
    [
      "a value after the bias flag",
      2,
      "  conv 3x3, c, stride stride, bias 1",
      { message: "'bias' takes no value (or 'none')", col: 31 },
    ],
    [
      "an option with two values",
      2,
      "  conv 3x3, c, stride 2 1",
      { message: "option 'stride' takes one value", col: 16, hint: CONV },
    ],
    [
      "a string for the padding",
      2,
      '  conv 3x3, c, stride stride, pad "same"',
      { message: "pad takes 'same', 'valid' or a number", col: 35 },
    ],
    [
      "a second positional argument of a pool",
      10,
      "    pool: maxpool 3x3, 1",
      {
        message: "'maxpool' takes 1 argument before its options",
        col: 24,
        hint: "usage: maxpool KxK [, stride S] [, pad same|valid|P]",
      },
    ],
    [
      "an argument of bn",
      3,
      "  conv 3x3, c, relu none\n  bn 3",
      { message: "'bn' takes no arguments", line: 4, col: 6, hint: "usage: bn" },
    ],
    [
      "a misspelt global pooling",
      14,
      "    global avgpol",
      {
        message: "'global' expects 'avgpool' or 'maxpool'",
        col: 12,
        hint: "did you mean 'avgpool'?",
      },
    ],
    [
      "a post that is neither relu nor none",
      4,
      "  post softmax",
      { message: "'post' expects 'relu' or 'none'", col: 8, hint: "usage: post relu | post none" },
    ],
  ];

  for (const [what, n, line, d] of cases) {
    it(`reports ${what}`, () => {
      expect(diagnose(withLine(n, line))).toEqual([{ code: "RN105", line: n, ...d }]);
    });
  }

  it("reports a layer name read as an argument of the layer before it, and nothing else", () => {
    const NEXT = "put each layer on its own line, or separate them with ';'";
    expect(diagnose(withLine(14, "    global avgpool fc 10"))).toEqual([
      {
        code: "RN105",
        message: "'fc' looks like the next layer, but it is read as an argument of 'global'",
        line: 14,
        col: 20,
        hint: NEXT,
      },
    ]);
    expect(diagnose(withLine(15, "    fc 10 softmax"))).toEqual([
      {
        code: "RN105",
        message: "'softmax' looks like the next layer, but it is read as an argument of 'fc'",
        line: 15,
        col: 11,
        hint: NEXT,
      },
    ]);
    expect(diagnose(withLine(10, "    pool: maxpool 3x3, stride 1 avgpool 2x2"))).toEqual([
      {
        code: "RN105",
        message: "'avgpool' looks like the next layer, but it is read as an argument of 'maxpool'",
        line: 10,
        col: 33,
        hint: NEXT,
      },
    ]);
  });

  it("accepts the layers with their arguments right", () => {
    expectClean(good);
    expectClean(withLine(2, "  conv 3x3, c, stride stride, pad 1, bn none, relu none, bias none"));
  });
});

describe("RN130 layer not allowed here", () => {
  it("reports fc in a block", () => {
    expect(diagnose(withLine(4, "  fc 10"))).toEqual([
      {
        code: "RN130",
        message: "'fc' is not allowed in a block",
        line: 4,
        col: 3,
        hint: "put it in the model's `head { ... }`",
      },
    ]);
  });

  it("reports global pooling in a block", () => {
    expect(diagnose(withLine(4, "  global avgpool"))).toEqual([
      {
        code: "RN130",
        message: "'global' is not allowed in a block",
        line: 4,
        col: 3,
        hint: "global pooling belongs in the head",
      },
    ]);
  });

  it("reports post outside a block", () => {
    expect(diagnose(withLine(16, "    post none"))).toEqual([
      {
        code: "RN130",
        message: "'post' is not allowed in a head",
        line: 16,
        col: 5,
        hint: "`post` says what follows a block's addition; use it inside `block`",
      },
    ]);
  });

  it("reports fc in a stem", () => {
    expect(diagnose(withLine(10, "    fc 10"))).toEqual([
      {
        code: "RN130",
        message: "'fc' is not allowed in a stem",
        line: 10,
        col: 5,
        hint: "put it in the model's `head { ... }`",
      },
    ]);
  });

  it("reports a group label outside a stem", () => {
    expect(diagnose(withLine(3, "  second: conv 3x3, c, relu none"))).toEqual([
      {
        code: "RN130",
        message: "group labels ('second:') are only allowed in a stem",
        line: 3,
        col: 3,
      },
    ]);
    expect(diagnose(withLine(14, "    pool: global avgpool"))).toEqual([
      {
        code: "RN130",
        message: "group labels ('pool:') are only allowed in a stem",
        line: 14,
        col: 5,
      },
    ]);
  });

  it("accepts every layer in its place", () => {
    expectClean(good);
  });
});
