// Model declarations and their statements: extends, input, shortcut, stem, variants, stages,
// stage, head, train, and any other word (kept as an unknown statement for the checker).
import { describe, expect, it } from "vitest";
import type { ModelDecl, ModelStmt } from "../../grammar/ast.js";
import {
  arg,
  bin,
  cmd,
  dims,
  list,
  num,
  parse,
  parseWithErrors,
  str,
  strip,
  v,
} from "./helpers.js";

/** The statements of a one-model file, without spans. */
function statements(...lines: string[]): unknown {
  return strip(model(...lines).statements);
}

function model(...lines: string[]): ModelDecl {
  const ast = parse(`model m {\n${lines.map((l) => "  " + l + "\n").join("")}}\n`);
  return ast.models[0];
}

const blocks = (name: string, counts: unknown[], args: unknown[] = []) => ({
  kind: "blocks",
  block: { name, args },
  counts,
});

describe("model", () => {
  it("reads a name and an empty body", () => {
    expect(strip(parse("model resnet {\n}\nmodel empty {}\n").models)).toEqual([
      { kind: "model", name: "resnet", parent: null, statements: [] },
      { kind: "model", name: "empty", parent: null, statements: [] },
    ]);
  });

  it("reads the parent of `extends`, and where it is", () => {
    const [a, b] = parse("model a {}\nmodel b extends a {\n  shortcut C\n}\n").models;
    expect(strip(a.parent)).toBeNull();
    expect(strip(b)).toEqual({
      kind: "model",
      name: "b",
      parent: { name: "a" },
      statements: [{ kind: "shortcut", value: "C" }],
    });
    expect(b.nameSpan).toMatchObject({ line: 2, col: 7 });
    expect(b.parent!.span).toMatchObject({ line: 2, col: 17, start: 27, end: 28 });
    expect(b.span).toMatchObject({ line: 2, col: 1, start: 11 });
  });
});

describe("input and shortcut", () => {
  it("reads the input size and where it is", () => {
    const m = model("input 224x224x3");
    expect(strip(m.statements)).toEqual([{ kind: "input", dims: [224, 224, 3] }]);
    const input = m.statements[0] as Extract<ModelStmt, { kind: "input" }>;
    expect(input.dimsSpan).toMatchObject({ line: 2, col: 9, start: 18, end: 27 });
    expect(input.span).toMatchObject({ line: 2, col: 3, start: 12, end: 27 });
  });

  it("reads any word as the shortcut option (the checker knows the options)", () => {
    expect(statements("shortcut A", "shortcut identity", "shortcut none", "shortcut b")).toEqual([
      { kind: "shortcut", value: "A" },
      { kind: "shortcut", value: "identity" },
      { kind: "shortcut", value: "none" },
      { kind: "shortcut", value: "b" },
    ]);
  });
});

describe("stem, head and train", () => {
  it("reads a stem with a name", () => {
    expect(statements("stem conv1 {", "  conv 3x3, 16", "}")).toEqual([
      { kind: "stem", name: "conv1", layers: [cmd("conv", [arg(dims("3x3")), arg(num(16))])] },
    ]);
  });

  it("reads a stem without a name, with labelled layers", () => {
    expect(
      statements(
        "stem {",
        "  conv1: conv 7x7, 64, stride 2",
        "  conv2: maxpool 3x3, stride 2",
        "}",
      ),
    ).toEqual([
      {
        kind: "stem",
        name: null,
        layers: [
          cmd("conv", [arg(dims("7x7")), arg(num(64)), arg(v("stride"), num(2))], "conv1"),
          cmd("maxpool", [arg(dims("3x3")), arg(v("stride"), num(2))], "conv2"),
        ],
      },
    ]);
  });

  it("reads a head on one line", () => {
    expect(statements("head { global avgpool; fc 1000; softmax }")).toEqual([
      {
        kind: "head",
        layers: [cmd("global", [arg(v("avgpool"))]), cmd("fc", [arg(num(1000))]), cmd("softmax")],
      },
    ]);
  });

  it("reads training settings as commands", () => {
    expect(
      statements(
        "train {",
        '  data "folder:imagenet"',
        "  sgd momentum 0.9, weight_decay 1e-4",
        "  stop at iteration 64000",
        "}",
      ),
    ).toEqual([
      {
        kind: "train",
        settings: [
          cmd("data", [arg(str("folder:imagenet"))]),
          cmd("sgd", [arg(v("momentum"), num(0.9)), arg(v("weight_decay"), num(0.0001, "1e-4"))]),
          cmd("stop", [arg(v("at"), v("iteration"), num(64000))]),
        ],
      },
    ]);
  });
});

describe("variants", () => {
  it("reads bindings and block bindings under number and name keys", () => {
    expect(
      statements(
        "variants {",
        "  18: basic x [2, 2, 2, 2]",
        "  20: n = 3",
        "  wide: n = 3, k = n * 2",
        "}",
      ),
    ).toEqual([
      {
        kind: "variants",
        variants: [
          { key: "18", bindings: [blocks("basic", [num(2), num(2), num(2), num(2)])] },
          { key: "20", bindings: [{ kind: "binding", name: "n", value: num(3) }] },
          {
            key: "wide",
            bindings: [
              { kind: "binding", name: "n", value: num(3) },
              { kind: "binding", name: "k", value: bin("*", v("n"), num(2)) },
            ],
          },
        ],
      },
    ]);
  });

  it("reads a variant's counts over several lines, and where its key is", () => {
    const m = model("variants {", "  152: bottleneck x [", "    3, 8,", "    36, 3", "  ]", "}");
    expect(strip(m.statements)).toEqual([
      {
        kind: "variants",
        variants: [
          { key: "152", bindings: [blocks("bottleneck", [num(3), num(8), num(36), num(3)])] },
        ],
      },
    ]);
    const st = m.statements[0] as Extract<ModelStmt, { kind: "variants" }>;
    expect(st.variants[0].keySpan).toMatchObject({ line: 3, col: 5 });
    const b = st.variants[0].bindings[0];
    expect(b.kind === "blocks" && b.countsSpan).toMatchObject({ line: 3, col: 23 });
  });
});

describe("stages", () => {
  it("reads a range with a block type, counts and option lists", () => {
    expect(
      statements(
        "stages conv2..conv5 basic x [2, 2, 2, 2] widths [64, 128, 256, 512] strides [1, 2, 2, 2]",
      ),
    ).toEqual([
      {
        kind: "stages",
        from: { name: "conv2" },
        to: { name: "conv5" },
        blocks: blocks("basic", [num(2), num(2), num(2), num(2)]),
        options: [
          { name: "widths", values: [num(64), num(128), num(256), num(512)] },
          { name: "strides", values: [num(1), num(2), num(2), num(2)] },
        ],
      },
    ]);
  });

  it("reads block arguments, and names in the lists", () => {
    expect(
      statements(
        "stages conv2..conv4 bottleneck(expansion = 2) x [n, n, n] widths [w, 2 * w, 4 * w] shortcuts [A, B, B]",
      ),
    ).toEqual([
      {
        kind: "stages",
        from: { name: "conv2" },
        to: { name: "conv4" },
        blocks: blocks(
          "bottleneck",
          [v("n"), v("n"), v("n")],
          [{ name: { name: "expansion" }, value: num(2) }],
        ),
        options: [
          { name: "widths", values: [v("w"), bin("*", num(2), v("w")), bin("*", num(4), v("w"))] },
          { name: "shortcuts", values: [v("A"), v("B"), v("B")] },
        ],
      },
    ]);
  });

  it("reads stages without a block type (the variants give it)", () => {
    const m = model("stages conv2..conv5 widths [64, 128, 256, 512]");
    expect(strip(m.statements)).toEqual([
      {
        kind: "stages",
        from: { name: "conv2" },
        to: { name: "conv5" },
        blocks: null,
        options: [{ name: "widths", values: [num(64), num(128), num(256), num(512)] }],
      },
    ]);
    const st = m.statements[0] as Extract<ModelStmt, { kind: "stages" }>;
    expect(st.from.span).toMatchObject({ line: 2, col: 10, start: 19, end: 24 });
    expect(st.to.span).toMatchObject({ line: 2, col: 17, start: 26, end: 31 });
  });

  it("reads lists and block arguments over several lines", () => {
    expect(
      statements(
        "stages conv2..conv3 bottleneck(",
        "  expansion = 2",
        ") x [",
        "  1,",
        "  1",
        "] widths [16, 32]",
      ),
    ).toEqual([
      {
        kind: "stages",
        from: { name: "conv2" },
        to: { name: "conv3" },
        blocks: blocks(
          "bottleneck",
          [num(1), num(1)],
          [{ name: { name: "expansion" }, value: num(2) }],
        ),
        options: [{ name: "widths", values: [num(16), num(32)] }],
      },
    ]);
  });
});

describe("stage", () => {
  it("reads a stage with positional and named block arguments, stride and shortcut", () => {
    expect(statements("stage conv3: basic(128, stride = 1) x 4, stride 2, shortcut C")).toEqual([
      {
        kind: "stage",
        name: "conv3",
        block: {
          name: "basic",
          args: [
            { name: null, value: num(128) },
            { name: { name: "stride" }, value: num(1) },
          ],
        },
        count: num(4),
        shortcut: { value: "C" },
        options: [arg(v("stride"), num(2))],
      },
    ]);
  });

  it("reads a stage without a colon, without arguments, with a computed count", () => {
    expect(statements("stage conv2 basic x n * 2")).toEqual([
      {
        kind: "stage",
        name: "conv2",
        block: { name: "basic", args: [] },
        count: bin("*", v("n"), num(2)),
        shortcut: null,
        options: [],
      },
    ]);
  });

  it("records where the stage, its name, its block and its count are", () => {
    const m = model("input 32x32x3", "stage conv3: basic(32) x 3, stride 2");
    const st = m.statements[1] as Extract<ModelStmt, { kind: "stage" }>;
    expect(st.span).toMatchObject({ line: 3, col: 3, start: 28 });
    expect(st.nameSpan).toMatchObject({ line: 3, col: 9, start: 34, end: 39 });
    expect(st.block.span).toMatchObject({ line: 3, col: 16, start: 41, end: 46 });
    expect(st.count.span).toMatchObject({ line: 3, col: 28, start: 53, end: 54 });
  });
});

describe("unknown statements", () => {
  it("keeps any other word, with or without a body, for the checker to name", () => {
    const m = model("inptu 32x32x3", "trian {", "  batch 128", "}");
    expect(strip(m.statements)).toEqual([
      { kind: "unknown", name: "inptu" },
      { kind: "unknown", name: "trian" },
    ]);
    expect(m.statements[1].kind === "unknown" && m.statements[1].nameSpan).toMatchObject({
      line: 3,
      col: 3,
    });
  });
});

describe("lines that are not statements", () => {
  it("reports a line that starts with no name once, and keeps the statements around it", () => {
    const { ast, diagnostics } = parseWithErrors(
      [
        "model m {",
        "  input 32x32x3",
        "  32",
        "  stages conv2..conv3 basic x [1, 1] widths [16, 32]",
        "  head {",
        "    global avgpool",
        "    10",
        "    fc 10",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    expect(diagnostics.map((d) => [d.code, d.span?.line, d.span?.col])).toEqual([
      ["RN002", 3, 3],
      ["RN002", 7, 5],
    ]);
    const stmts = ast.models[0].statements;
    expect(stmts.map((s) => s.kind)).toEqual(["input", "stages", "head"]);
    const head = stmts[2] as Extract<ModelStmt, { kind: "head" }>;
    expect(head.layers.map((l) => l.name)).toEqual(["global", "fc"]);
  });
});

describe("a whole model", () => {
  it("reads the paper's CIFAR-10 ResNets", () => {
    const ast = parse(
      [
        "model cifar_resnet {",
        "  input 32x32x3",
        "  shortcut A // option A",
        "  stem conv1 { conv 3x3, 16 }",
        "  variants {",
        "    20: n = 3",
        "    110: n = 18",
        "  }",
        "  stages conv2..conv4 basic x [n, n, n] widths [16, 32, 64] strides [1, 2, 2]",
        "  head {",
        "    global avgpool",
        "    fc 10",
        "  }",
        "  train { batch 128; lr 0.1, divide 10 at iterations [32000, 48000] }",
        "}",
        "",
      ].join("\n"),
    );
    expect(ast.models[0].statements.map((s) => `${s.kind}@${s.span.line}:${s.span.col}`)).toEqual([
      "input@2:3",
      "shortcut@3:3",
      "stem@4:3",
      "variants@5:3",
      "stages@9:3",
      "head@10:3",
      "train@14:3",
    ]);
    expect(strip(ast.models[0].statements[6])).toEqual({
      kind: "train",
      settings: [
        cmd("batch", [arg(num(128))]),
        cmd("lr", [
          arg(num(0.1)),
          arg(v("divide"), num(10), v("at"), v("iterations"), list(num(32000), num(48000))),
        ]),
      ],
    });
  });
});
