// Top-level declarations (`use`, `block`), layer commands and their argument items, comments,
// separators and line breaks, as the parser turns them into the AST.
import { describe, expect, it } from "vitest";
import type { BlockDecl } from "../../grammar/ast.js";
import {
  arg,
  bin,
  cmd,
  decls,
  dims,
  list,
  num,
  parse,
  parseWithErrors,
  range,
  str,
  strip,
  v,
} from "./helpers.js";

/** The commands of a one-block file's body. */
function body(...lines: string[]): unknown {
  const [b] = decls(`block b(c) {\n${lines.map((l) => "  " + l + "\n").join("")}}\n`) as {
    body: unknown;
  }[];
  return b.body;
}

describe("use", () => {
  it("reads the path of a string, with escapes", () => {
    expect(decls('use "lib/blocks.resnet"\nuse "a \\"b\\".resnet"\n')).toEqual([
      { kind: "use", path: "lib/blocks.resnet" },
      { kind: "use", path: 'a "b".resnet' },
    ]);
  });

  it("spans the whole declaration", () => {
    const [u] = parse('\n  use "x.resnet"\n').uses;
    expect(u.span).toEqual({ file: "spec.resnet", start: 3, end: 17, line: 2, col: 3 });
  });
});

describe("block", () => {
  it("reads parameters with and without defaults", () => {
    expect(
      decls("block wide(c, stride = 1, k = c * 2) {\n  conv 3x3, k, stride stride\n}\n"),
    ).toEqual([
      {
        kind: "block",
        name: "wide",
        params: [
          { name: "c", default: null },
          { name: "stride", default: num(1) },
          { name: "k", default: bin("*", v("c"), num(2)) },
        ],
        body: [cmd("conv", [arg(dims("3x3")), arg(v("k")), arg(v("stride"), v("stride"))])],
      },
    ]);
  });

  it("reads an empty parameter list and an empty body", () => {
    expect(decls("block nothing() {\n}\nblock one_line() {}\n")).toEqual([
      { kind: "block", name: "nothing", params: [], body: [] },
      { kind: "block", name: "one_line", params: [], body: [] },
    ]);
  });

  it("reads parameters over several lines", () => {
    expect(decls("block b(\n  c,\n  stride = 1\n) {}\n")).toEqual([
      {
        kind: "block",
        name: "b",
        params: [
          { name: "c", default: null },
          { name: "stride", default: num(1) },
        ],
        body: [],
      },
    ]);
  });

  it("records where the block, its name and its parameters are", () => {
    const [b] = parse("// basic\nblock basic(c, stride = 1) {\n  relu\n}\n").blocks;
    expect(b.nameSpan).toEqual({ file: "spec.resnet", start: 15, end: 20, line: 2, col: 7 });
    expect(b.params[1].span).toMatchObject({ line: 2, col: 16, start: 24, end: 30 });
    expect(b.span).toMatchObject({ line: 2, col: 1, start: 9, end: 46 });
    expect(b.body[0].span).toMatchObject({ line: 3, col: 3 });
  });
});

describe("commands", () => {
  it("reads a bare command, and comma-separated arguments", () => {
    expect(body("relu", "conv 3x3, 64")).toEqual([
      cmd("relu"),
      cmd("conv", [arg(dims("3x3")), arg(num(64))]),
    ]);
  });

  it("reads juxtaposed items as one argument", () => {
    expect(body("conv 3x3, c, stride 2, bn none")).toEqual([
      cmd("conv", [
        arg(dims("3x3")),
        arg(v("c")),
        arg(v("stride"), num(2)),
        arg(v("bn"), v("none")),
      ]),
    ]);
  });

  it("reads a group label", () => {
    expect(body("conv1: conv 7x7, 64, stride 2", "conv2 : maxpool 3x3")).toEqual([
      cmd("conv", [arg(dims("7x7")), arg(num(64)), arg(v("stride"), num(2))], "conv1"),
      cmd("maxpool", [arg(dims("3x3"))], "conv2"),
    ]);
  });

  it("reads sizes of two and three numbers", () => {
    expect(body("k 1x1, 224x224x3, 2x3x4x5")).toEqual([
      cmd("k", [arg(dims("1x1")), arg(dims("224x224x3")), arg(dims("2x3x4x5"))]),
    ]);
  });

  it("reads strings, lists and ranges", () => {
    expect(
      body(
        'data "cifar10:data/cifar-10-batches-bin"',
        "lr 0.1, divide 10 at epochs [30, 60]",
        "augment scale 256..480, flip horizontal",
        "k [], [n * 2], a..b + 1",
      ),
    ).toEqual([
      cmd("data", [arg(str("cifar10:data/cifar-10-batches-bin"))]),
      cmd("lr", [
        arg(num(0.1)),
        arg(v("divide"), num(10), v("at"), v("epochs"), list(num(30), num(60))),
      ]),
      cmd("augment", [arg(v("scale"), range(num(256), num(480))), arg(v("flip"), v("horizontal"))]),
      cmd("k", [
        arg(list()),
        arg(list(bin("*", v("n"), num(2)))),
        arg(range(v("a"), bin("+", v("b"), num(1)))),
      ]),
    ]);
  });

  it("records where a label, a name and an argument are", () => {
    const [b] = parse("block b(c) {\n  first: conv 3x3, c, stride 2\n}\n").blocks;
    const c = b.body[0];
    expect(c.label!.span).toMatchObject({ line: 2, col: 3, start: 15, end: 20 });
    expect(c.nameSpan).toMatchObject({ line: 2, col: 10, start: 22, end: 26 });
    expect(c.args[2].span).toMatchObject({ line: 2, col: 23, start: 35, end: 43 });
    expect(c.args[2].items[1].span).toMatchObject({ line: 2, col: 30, start: 42, end: 43 });
    expect(c.span).toMatchObject({ line: 2, col: 3, start: 15, end: 43 });
  });
});

describe("separators, line breaks and comments", () => {
  it("separates statements with newlines or ';'", () => {
    expect(body("bn; relu", "conv 3x3, c;;", "", "relu")).toEqual([
      cmd("bn"),
      cmd("relu"),
      cmd("conv", [arg(dims("3x3")), arg(v("c"))]),
      cmd("relu"),
    ]);
  });

  it("lets lists and parenthesised expressions span lines", () => {
    expect(
      body("lr 0.1, divide 10 at epochs [", "    30,", "    60", "  ], k (1 +", "    2)"),
    ).toEqual([
      cmd("lr", [
        arg(num(0.1)),
        arg(v("divide"), num(10), v("at"), v("epochs"), list(num(30), num(60))),
        arg(v("k"), bin("+", num(1), num(2))),
      ]),
    ]);
  });

  it("lets arguments go on after a comma at the end of a line", () => {
    expect(body("conv 3x3,", "    c,", "    stride 2")).toEqual([
      cmd("conv", [arg(dims("3x3")), arg(v("c")), arg(v("stride"), num(2))]),
    ]);
  });

  it("skips comments, keeping them with their text and place", () => {
    const text = [
      "// the blocks",
      "/* a block comment",
      "   over two lines */ block b(c) { // after the brace",
      "  conv 3x3, /* inline */ c",
      "}",
      "",
    ].join("\n");
    const ast = parse(text);
    expect(strip(ast.blocks)).toEqual([
      {
        kind: "block",
        name: "b",
        params: [{ name: "c", default: null }],
        body: [cmd("conv", [arg(dims("3x3")), arg(v("c"))])],
      },
    ]);
    expect(ast.comments.map((c) => [c.text, c.span.line, c.span.col])).toEqual([
      ["// the blocks", 1, 1],
      ["/* a block comment\n   over two lines */", 2, 1],
      ["// after the brace", 3, 35],
      ["/* inline */", 4, 13],
    ]);
    // A block comment over two lines keeps the line numbers after it right.
    expect(ast.blocks[0].nameSpan).toMatchObject({ line: 3, col: 28 });
  });

  it("accepts a file that is empty or holds only comments and blank lines", () => {
    expect(decls("")).toEqual([]);
    expect(decls("\n\n// nothing\n;\n")).toEqual([]);
  });
});

describe("declarations", () => {
  it("keeps uses, blocks and models in source order", () => {
    const ast = parse('block a(c) {}\nuse "x.resnet"\nmodel m {}\nblock b(c) {}\n');
    expect(ast.decls.map((d) => `${d.kind} ${d.kind === "use" ? d.path : d.name}`)).toEqual([
      "block a",
      "use x.resnet",
      "model m",
      "block b",
    ]);
    expect(ast.blocks.map((b: BlockDecl) => b.name)).toEqual(["a", "b"]);
    expect(ast.uses).toHaveLength(1);
    expect(ast.models).toHaveLength(1);
    expect(ast.path).toBe("spec.resnet");
  });

  it("keeps the declarations it could read around a syntax error", () => {
    const { ast, diagnostics } = parseWithErrors("block a(c stride) {}\nblock b(c) {\n  relu\n}\n");
    expect(diagnostics.map((d) => [d.code, d.span?.line, d.span?.col])).toEqual([["RN002", 1, 11]]);
    expect(ast.blocks.map((b) => b.name)).toContain("b");
  });
});
