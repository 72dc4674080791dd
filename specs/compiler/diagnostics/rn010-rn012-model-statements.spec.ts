// RN010 (unknown model statement), RN011 (a statement given twice in one model) and RN012 (a
// model without input, stages or head; a file without any model).
import { describe, expect, it } from "vitest";
import { diagnose, expectClean, src } from "./helpers.js";

const STATEMENTS =
  "a model holds: input, shortcut, stem, variants, stages, stage, head, train, drop_path";

const good = src(
  "model cifar {",
  "  input 32x32x3",
  "  shortcut A",
  "  stem conv1 { conv 3x3, 16 }",
  "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64] strides [1, 2, 2]",
  "  head { global avgpool; fc 10 }",
  "  train {",
  "    batch 128",
  "  }",
  "}",
);

describe("RN010 unknown model statement", () => {
  it("suggests the statement that was meant", () => {
    expect(diagnose(good.replace("shortcut A", "shortcuts A"))).toEqual([
      {
        code: "RN010",
        message: "unknown model statement 'shortcuts'",
        line: 3,
        col: 3,
        hint: "did you mean 'shortcut'?",
      },
    ]);
  });

  it("reports a misspelt statement with a body", () => {
    expect(diagnose(good.replace("train {", "trian {"))).toEqual([
      {
        code: "RN010",
        message: "unknown model statement 'trian'",
        line: 7,
        col: 3,
        hint: "did you mean 'train'?",
      },
    ]);
  });

  it("lists the statements when nothing is close", () => {
    expect(diagnose(good.replace("shortcut A", "optimizer sgd"))).toEqual([
      {
        code: "RN010",
        message: "unknown model statement 'optimizer'",
        line: 3,
        col: 3,
        hint: STATEMENTS,
      },
    ]);
  });

  it("reports a misspelt input alone, not also the input the model then lacks (RN012)", () => {
    expect(diagnose(good.replace("input 32x32x3", "inptu 32x32x3"))).toEqual([
      {
        code: "RN010",
        message: "unknown model statement 'inptu'",
        line: 2,
        col: 3,
        hint: "did you mean 'input'?",
      },
    ]);
  });

  it("accepts the statements spelt right", () => {
    expectClean(good);
  });
});

describe("RN011 repeated model statement", () => {
  it("reports the second input and points at the first", () => {
    const text = good.replace("  shortcut A", "  input 64x64x3\n  shortcut A");
    expect(diagnose(text)).toEqual([
      {
        code: "RN011",
        message: "model 'cifar' has two 'input' statements",
        line: 3,
        col: 3,
        hint: "the first is at spec.resnet:2:3",
      },
    ]);
  });

  it("reports a second head", () => {
    const text = good.replace("  train {", "  head { global avgpool; fc 100 }\n  train {");
    expect(diagnose(text)).toEqual([
      {
        code: "RN011",
        message: "model 'cifar' has two 'head' statements",
        line: 7,
        col: 3,
        hint: "the first is at spec.resnet:6:3",
      },
    ]);
  });

  it("allows several train sections, and a child to replace its parent's statements", () => {
    expectClean(good.replace("  train {", "  train { epochs 10 }\n  train {"));
    expectClean(
      src(
        ...good.trimEnd().split("\n"),
        "model cifar100 extends cifar {",
        "  input 64x64x3",
        "  head { global avgpool; fc 100 }",
        "}",
      ),
    );
  });
});

describe("RN012 missing model part, or no model", () => {
  it("reports a file that defines no model at its start", () => {
    const text = src("block wide(c, stride = 1) {", "  conv 3x3, c, stride stride", "}");
    expect(diagnose(text)).toEqual([
      {
        code: "RN012",
        message: "this file defines no model",
        line: 1,
        col: 1,
        hint: "add `model NAME { ... }`, or check a file that has one",
      },
    ]);
  });

  it("reports an empty file", () => {
    expect(diagnose("")).toEqual([
      {
        code: "RN012",
        message: "this file defines no model",
        line: 1,
        col: 1,
        hint: "add `model NAME { ... }`, or check a file that has one",
      },
    ]);
  });

  it("reports each missing part at the model's name", () => {
    expect(diagnose(src("model cifar {", "  shortcut A", "}"))).toEqual([
      {
        code: "RN012",
        message: "model 'cifar' has no input",
        line: 1,
        col: 7,
        hint: "add e.g. `input 224x224x3`",
      },
      {
        code: "RN012",
        message: "model 'cifar' has no stages",
        line: 1,
        col: 7,
        hint: "add e.g. `stages conv2..conv5 widths [64, 128, 256, 512] strides [1, 2, 2, 2]`",
      },
      {
        code: "RN012",
        message: "model 'cifar' has no head",
        line: 1,
        col: 7,
        hint: "add e.g. `head { global avgpool; fc 1000; softmax }`",
      },
    ]);
  });

  it("reports a model without stages", () => {
    const text = good.replace(/ {2}stages .*\n/, "");
    expect(diagnose(text)).toEqual([
      {
        code: "RN012",
        message: "model 'cifar' has no stages",
        line: 1,
        col: 7,
        hint: "add e.g. `stages conv2..conv5 widths [64, 128, 256, 512] strides [1, 2, 2, 2]`",
      },
    ]);
  });

  it("accepts a model that gets its parts from its parent", () => {
    expectClean(
      src(...good.trimEnd().split("\n"), "model cifar_b extends cifar {", "  shortcut B", "}"),
    );
  });
});
