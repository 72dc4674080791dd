// The server's features as functions over the compiler's results (no server process): completion
// by context, signature help, hovers on block layers and variants, outline of a block.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkText, parseProgram } from "../../lsp/compiler-adapter.js";
import { completions } from "../../lsp/completion.js";
import { hoverText } from "../../lsp/hover.js";
import { signatureHelp } from "../../lsp/signature-help.js";
import { read, ROOT } from "./client.js";

const PATH = resolve(ROOT, "tmp-lsp/spec.resnet");

/** Completion labels at the `|` of the text. */
function complete(textWithCursor: string): string[] {
  const offset = textWithCursor.indexOf("|");
  const text = textWithCursor.replace("|", "");
  return completions(parseProgram(PATH, text, new Map()), text, offset).map((i) => i.label);
}

describe("completion by context", () => {
  it("offers top-level keywords, model statements and training settings", () => {
    expect(complete("mo|")).toEqual(["model", "block", "use"]);
    expect(complete("model m {\n  |\n}")).toEqual([
      "input",
      "shortcut",
      "stem",
      "variants",
      "stages",
      "stage",
      "head",
      "train",
    ]);
    expect(complete("model m {\n  train {\n    |\n  }\n}")).toEqual([
      "data",
      "sgd",
      "momentum",
      "weight_decay",
      "batch",
      "epochs",
      "lr",
      "warmup",
      "stop",
      "augment",
      "normalize",
      "freeze",
    ]);
  });

  it("offers shortcut options, data sources, block types after a stage range, and parents", () => {
    expect(complete("model m {\n  shortcut |\n}")).toEqual([
      "A",
      "B",
      "C",
      "D",
      "identity",
      "none",
    ]);
    expect(complete("model m {\n  stages conv2..conv4 widths [1, 2, 3] shortcuts [A, |")).toEqual([
      "A",
      "B",
      "C",
      "D",
      "identity",
      "none",
    ]);
    expect(complete("model m {\n  train {\n    data |")).toEqual([
      "mnist",
      '"cifar10:DIR"',
      '"folder:DIR"',
    ]);
    expect(
      complete("block wide(c) { conv 3x3, c }\nmodel m {\n  stages conv2..conv4 w|"),
    ).toContain("wide");
    expect(complete("model m {\n  stage conv2: |")).toContain("preact_bottleneck");
    expect(complete("model a { }\nmodel b extends |")).toEqual(["a", "b"]);
  });

  it("offers the layers allowed where the cursor is, their options and option values", () => {
    expect(complete("model m {\n  head {\n    |")).toEqual([
      "conv",
      "bn",
      "relu",
      "maxpool",
      "avgpool",
      "global",
      "fc",
      "softmax",
      "flatten",
      "dropout",
    ]);
    expect(complete("block b(c) {\n  |")).toEqual([
      "conv",
      "bn",
      "relu",
      "maxpool",
      "avgpool",
      "post",
      "se",
      "dropout",
    ]);
    expect(complete("block b(c) {\n  conv 3x3, c, |")).toEqual([
      "stride",
      "pad",
      "bn",
      "relu",
      "bias",
      "groups",
      "dilation",
    ]);
    expect(complete("block b(c) {\n  conv 3x3, c, pad |")).toEqual(["same", "valid"]);
    expect(complete("model m {\n  head {\n    global |")).toEqual(["avgpool", "maxpool"]);
    expect(complete("block b(c) {\n  post |")).toEqual(["relu", "none"]);
  });

  it("ignores braces in comments and strings when it finds the section", () => {
    expect(complete("model m { // {\n  /* } } */\n  |")).toContain("stages");
    expect(complete('model m {\n  train { data "x{" }\n  |')).toContain("variants");
    expect(complete("// model m {\n|")).toEqual(["model", "block", "use"]);
  });
});

describe("signature help", () => {
  const help = (t: string) => {
    const offset = t.indexOf("|");
    const text = t.replace("|", "");
    return signatureHelp(parseProgram(PATH, text, new Map()), text, offset);
  };

  it("highlights the parameter by position, and by name after `name =`", () => {
    const h = help("model m {\n  stage conv2: bottleneck(64, |")!;
    expect(h.signatures[0].label).toBe("block bottleneck(c, stride = 1, expansion = 4)");
    expect(h.activeParameter).toBe(1);
    expect(h.signatures[0].parameters!.map((p) => p.label)).toEqual([
      [17, 18],
      [20, 30],
      [32, 45],
    ]);
    expect(help("model m {\n  stage conv2: bottleneck(64, expansion = |")!.activeParameter).toBe(2);
  });

  it("stays quiet outside a block call and in a block's own declaration", () => {
    expect(help("model m {\n  stage conv2: bottleneck(64) x |")).toBeNull();
    expect(help("block mine(c, |")).toBeNull();
    expect(help("model m {\n  stage conv2: nosuch(|")).toBeNull();
  });
});

describe("hover on lines of a checked spec", () => {
  const file = resolve(ROOT, "examples/imagenet/resnet.resnet");
  const text = read("examples/imagenet/resnet.resnet");
  const facts = checkText(file, text, new Map());
  const program = parseProgram(file, text, new Map());

  it("gives a variant line its depth, parameters and multiply-adds", () => {
    const at = text.indexOf("50: bottleneck") + 1;
    // ResNet-50 (v1): 25,557,032 trainable parameters (torchvision's count), 3,857,973,248
    // multiply-adds (the paper: 3.8 x 10^9), 50 weighted layers.
    expect(hoverText(program, file, at, facts)).toBe(
      "**resnet 50**: 50 weighted layers, 25,557,032 params, 3.86G multiply-adds",
    );
  });

  it("gives a layer line each variant's output where they differ", () => {
    const at = text.indexOf("global avgpool") + 2;
    expect(hoverText(program, file, at, facts)).toBe(
      "- 512, 0 params, 0 multiply-adds (resnet 18, resnet 34)\n" +
        "- 2048, 0 params, 0 multiply-adds (resnet 50, resnet 101, resnet 152)\n",
    );
  });

  it("gives a block's layer in the prelude its output in every stage", () => {
    const prelude = program.preludePath;
    const ptext = program.sources.get(prelude)!;
    const at = ptext.indexOf("conv 1x1, expansion * c, relu none") + 2;
    // The prelude's AST is part of every program: hovering it in its own tab uses the facts of
    // the spec that was checked.
    const h = hoverText(program, prelude, at, facts);
    expect(h).toBe(
      "output, per stage:\n- conv2 56x56x256, conv3 28x28x512, conv4 14x14x1024, conv5 7x7x2048 (resnet 50, resnet 101, resnet 152)",
    );
  });
});
