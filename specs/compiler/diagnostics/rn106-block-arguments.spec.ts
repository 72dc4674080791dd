// RN106: the arguments a stage passes to its block type (unknown, too many, missing, given twice)
// and a block type without parameters.
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const BASIC = "block basic(c, stride = …)";

const good = src(
  "model m {",
  "  input 32x32x3",
  "  stem conv1 { conv 3x3, 64 }",
  "  stage conv2: basic(64) x 2",
  "  stage conv3: basic(128, stride = 2) x 2",
  "  stages conv4..conv5 bottleneck(expansion = 2) x [1, 1] widths [128, 256] strides [2, 2]",
  "  head { global avgpool; fc 10 }",
  "}",
);

describe("RN106 block arguments", () => {
  it("reports an argument name the block does not have", () => {
    const text = good.replace("basic(128, stride = 2)", "basic(128, strid = 2)");
    expect(diagnose(text)).toEqual([
      {
        code: "RN106",
        message: "block 'basic' has no parameter 'strid'",
        line: 5,
        col: 27,
        hint: "did you mean 'stride'?",
      },
    ]);
  });

  it("lists the parameters when no name is close", () => {
    const text = good.replace("bottleneck(expansion = 2)", "bottleneck(groups = 32)");
    expect(diagnose(text)).toEqual([
      {
        code: "RN106",
        message: "block 'bottleneck' has no parameter 'groups'",
        line: 6,
        col: 34,
        hint: "block bottleneck(c, stride = …, expansion = …)",
      },
    ]);
  });

  it("reports too many arguments", () => {
    const text = good.replace("basic(128, stride = 2)", "basic(128, 2, 4)");
    expect(diagnose(text)).toEqual([
      {
        code: "RN106",
        message: "block 'basic' takes 2 arguments, got more",
        line: 5,
        col: 30,
        hint: BASIC,
      },
    ]);
  });

  it("reports a missing argument at the stage", () => {
    const text = good.replace("basic(64) x 2", "basic x 2");
    expect(diagnose(text)).toEqual([
      {
        code: "RN106",
        message: "block 'basic' needs a value for 'c'",
        line: 4,
        col: 3,
        hint: BASIC,
      },
    ]);
  });

  it("reports a parameter given twice", () => {
    const text = good.replace("basic(128, stride = 2)", "basic(128, c = 128)");
    expect(diagnose(text)).toEqual([
      {
        code: "RN106",
        message: "parameter 'c' of block 'basic' is given twice",
        line: 5,
        col: 27,
      },
    ]);
  });

  it("reports the width passed by name in a stages range: it comes from widths", () => {
    const text = good.replace("bottleneck(expansion = 2)", "bottleneck(c = 64, expansion = 2)");
    expect(diagnose(text)).toEqual([
      {
        code: "RN106",
        message:
          "'c', the first parameter of 'bottleneck', is the stage's width: it comes from widths [...]",
        line: 6,
        col: 34,
        hint: "remove 'c = …' here",
      },
    ]);
  });

  it("reports a block type without parameters, used or not", () => {
    const text = src("block plain() {", "  conv 3x3, 64", "}", ...good.split("\n"));
    expect(diagnose(text)).toEqual([
      {
        code: "RN106",
        message: "block 'plain' has no parameters; a stage passes it a width",
        line: 1,
        col: 7,
        hint: "declare one: block plain(c, stride = 1) { ... }",
      },
    ]);
  });

  it("accepts positional, named and default arguments", () => {
    expectClean(good);
    expectClean(src("block plain(c) {", "  conv 3x3, c", "}", ...good.split("\n")));
  });
});
