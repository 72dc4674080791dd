// Exact output of the formatter: the house style, every construct, expressions, comments.
import { describe, expect, it } from "vitest";
import { checkFormatted, formatResnet } from "../../../compiler/format/index.js";
import { commentTexts, parseOk, shape } from "./helpers.js";

const lines = (...ls: string[]) => ls.join("\n") + "\n";

/** Formats, and checks that formatting the result changes nothing and keeps the AST. */
async function fmt(text: string): Promise<string> {
  const out = await formatResnet(text);
  expect(await formatResnet(out)).toBe(out);
  expect(shape(parseOk(out))).toEqual(shape(parseOk(text)));
  expect(commentTexts(out)).toEqual(commentTexts(text));
  return out;
}

describe("house style", () => {
  it("fixes indentation, spacing, `;`-joined statements and runs of blank lines", async () => {
    const messy = [
      "",
      "",
      "block  basic( c ,stride=1 ){",
      "conv 3x3,c,stride stride",
      "        conv 3x3,   c, relu none;post none",
      "}",
      "model   resnet{",
      "input 224x224x3;shortcut B",
      "",
      "",
      "",
      "   stem {conv1: conv 7x7,64,stride 2; conv2: maxpool 3x3,stride 2}",
      "  variants {",
      "  18: basic x [2,2,2,2]",
      "     34: basic x[3 ,4,6,3] ; 50: bottleneck x [3, 4, 6, 3]",
      "  }",
      "  stages conv2..conv5 widths [64,128,256,512]   strides[1,2,2,2]",
      "",
      "  head { global avgpool; fc 1000 ; softmax }",
      "",
      "",
      "  train {",
      '    data  "folder:imagenet"',
      "    sgd momentum 0.9,weight_decay 1e-4",
      "    lr 0.1 , divide 10 at epochs [30,60]",
      "    augment scale 256..480,random_crop 224, flip horizontal",
      "  }",
      "}",
      "",
      "",
      "",
    ].join("\n");
    expect(await fmt(messy)).toBe(
      lines(
        "block basic(c, stride = 1) {",
        "  conv 3x3, c, stride stride",
        "  conv 3x3, c, relu none",
        "  post none",
        "}",
        "",
        "model resnet {",
        "  input 224x224x3",
        "  shortcut B",
        "",
        "  stem {",
        "    conv1: conv 7x7, 64, stride 2",
        "    conv2: maxpool 3x3, stride 2",
        "  }",
        "  variants {",
        "    18: basic x [2, 2, 2, 2]",
        "    34: basic x [3, 4, 6, 3]",
        "    50: bottleneck x [3, 4, 6, 3]",
        "  }",
        "  stages conv2..conv5 widths [64, 128, 256, 512] strides [1, 2, 2, 2]",
        "",
        "  head {",
        "    global avgpool",
        "    fc 1000",
        "    softmax",
        "  }",
        "",
        "  train {",
        '    data "folder:imagenet"',
        "    sgd momentum 0.9, weight_decay 1e-4",
        "    lr 0.1, divide 10 at epochs [30, 60]",
        "    augment scale 256..480, random_crop 224, flip horizontal",
        "  }",
        "}",
      ),
    );
  });

  it("puts a blank line between declarations, keeps consecutive `use` lines together", async () => {
    const text = 'use "a.resnet"\nuse "b.resnet"\nblock b() {}\nmodel m {}; model n extends m {}\n';
    expect(await fmt(text)).toBe(
      lines(
        'use "a.resnet"',
        'use "b.resnet"',
        "",
        "block b() {}",
        "",
        "model m {}",
        "",
        "model n extends m {}",
      ),
    );
  });

  it("prints every construct", async () => {
    const text = lines(
      'use "prelude.resnet"',
      "block tiny(c, stride = 1, expansion = 2 * 2) {",
      "  conv1: conv 3x3, expansion * c, stride stride, pad -1",
      '  note "a \\"quoted\\" word"',
      "}",
      "model m extends base {",
      "  input 32x32x3",
      "  shortcut x",
      "  stem { conv 3x3, 16 }",
      "  stem named { conv 3x3, 16 }",
      "  variants {",
      "    20: n = 3, m = 2",
      "    18: basic x [2, 2]",
      "    deep: n = 18",
      "  }",
      "  stages conv2..conv4 bottleneck(expansion = 2, 64) x [n, n, n] widths [16, 32, 64] strides [1, 2, 2]",
      "  stages conv2..conv4 widths [16]",
      "  stage conv3 basic(128) x 4, stride 2, shortcut C",
      "  stage conv4: bottleneck(c = 256, expansion = 2) x n + 1",
      "  head {",
      "    fc 10",
      "  }",
      "  train {",
      "    epochs 90",
      "  }",
      "}",
    );
    expect(await fmt(text)).toBe(
      lines(
        'use "prelude.resnet"',
        "",
        "block tiny(c, stride = 1, expansion = 2 * 2) {",
        "  conv1: conv 3x3, expansion * c, stride stride, pad -1",
        '  note "a \\"quoted\\" word"',
        "}",
        "",
        "model m extends base {",
        "  input 32x32x3",
        "  shortcut x",
        "  stem {",
        "    conv 3x3, 16",
        "  }",
        "  stem named {",
        "    conv 3x3, 16",
        "  }",
        "  variants {",
        "    20: n = 3, m = 2",
        "    18: basic x [2, 2]",
        "    deep: n = 18",
        "  }",
        "  stages conv2..conv4 bottleneck(expansion = 2, 64) x [n, n, n] widths [16, 32, 64] strides [1, 2, 2]",
        "  stages conv2..conv4 widths [16]",
        "  stage conv3: basic(128) x 4, stride 2, shortcut C",
        "  stage conv4: bottleneck(c = 256, expansion = 2) x n + 1",
        "  head {",
        "    fc 10",
        "  }",
        "  train {",
        "    epochs 90",
        "  }",
        "}",
      ),
    );
  });

  it("prints empty bodies as {}", async () => {
    expect(await fmt("model m {\n  head {\n\n  }\n}\nblock b(c) {\n}\n")).toBe(
      lines("model m {", "  head {}", "}", "", "block b(c) {}"),
    );
  });

  it("keeps number, size and string text as written", async () => {
    const text = 'block b() {\n  k 007x3, 1.50, 1e-4, 2E3, 0.5..1.0, "x/y"\n}\n';
    expect(await fmt(text)).toBe(text);
  });

  it("prints nothing for an empty file", async () => {
    expect(await fmt("")).toBe("");
    expect(await fmt("\n\n  \n")).toBe("");
  });

  it("turns CRLF line ends and tabs into LF and spaces", async () => {
    expect(await fmt("model m {\r\n\tinput 1x1x1 \r\n\r\n\r\n\tshortcut A\r\n}\r\n")).toBe(
      lines("model m {", "  input 1x1x1", "", "  shortcut A", "}"),
    );
  });
});

describe("expressions", () => {
  const cases: [string, string][] = [
    ["a+b*c", "a + b * c"],
    ["(a+b)*c", "(a + b) * c"],
    ["a-(b-c)", "a - (b - c)"],
    ["(a-b)-c", "a - b - c"],
    ["a/b/c", "a / b / c"],
    ["a/(b/c)", "a / (b / c)"],
    ["a*(b*c)", "a * (b * c)"],
    ["(a*b)+(c/d)", "a * b + c / d"],
    ["((a))", "a"],
    ["-(a*b)", "-(a * b)"],
    ["-a*b", "-a * b"],
    ["a*-1", "a * -1"],
    ["a - -1", "a - -1"],
    ["- 1", "-1"],
    ["-(1)", "-1"],
    ["- -1", "-(-1)"],
    ["--a", "--a"],
    ["2*c+1", "2 * c + 1"],
  ];
  it.each(cases)("%s prints as %s", async (source, printed) => {
    const out = await fmt(`block b(c) {\n  k ${source}\n}\n`);
    expect(out).toBe(`block b(c) {\n  k ${printed}\n}\n`);
  });

  it("keeps juxtaposed items apart from subtraction: `stride -1` vs `a - 1`", async () => {
    const text = "block b(a) {\n  k stride -1, a - 1, a -1, 3 -2\n}\n";
    expect(await fmt(text)).toBe(text);
    expect(await fmt("block b(a) {\n  k a-1\n}\n")).toBe("block b(a) {\n  k a - 1\n}\n");
  });

  it("prints ranges without spaces", async () => {
    expect(await fmt("block b(a) {\n  k 256 .. 480, a+1..2*a\n}\n")).toBe(
      "block b(a) {\n  k 256..480, a + 1..2 * a\n}\n",
    );
  });
});

describe("statements printed as written", () => {
  it("keeps unknown model statements (and the comments inside them) exactly", async () => {
    const text = lines(
      "model m {",
      "  foo 1,2   {  bar ;  baz // inside",
      "      qux }",
      "  head {",
      "    fc 10",
      "  }",
      "}",
    );
    expect(await fmt(text)).toBe(text);
  });

  it("keeps a stage with two shortcut options and stages with two block bindings", async () => {
    // The AST keeps only one of each; printing it would drop the other.
    const text = lines(
      "model m {",
      "  stage conv3: basic x 2,shortcut A, shortcut B",
      "  stages a..b basic x [1]  bottleneck x [2]",
      "}",
    );
    expect(await fmt(text)).toBe(text);
  });
});

describe("comments", () => {
  it("keeps comments before the first declaration, between declarations and at the end", async () => {
    const text = [
      "",
      "// file header",
      "// second line",
      "",
      "",
      "// about b",
      "block b() {}",
      "// about m",
      "model m {}",
      "// the end",
    ].join("\n");
    expect(await fmt(text)).toBe(
      lines(
        "// file header",
        "// second line",
        "",
        "// about b",
        "block b() {}",
        "",
        "// about m",
        "model m {}",
        "",
        "// the end",
      ),
    );
  });

  it("keeps end-of-line, own-line, header and dangling comments inside bodies", async () => {
    const text = lines(
      "model m { // the model",
      "  input 32x32x3 // CIFAR",
      "",
      "",
      "  // the stem",
      "  stem {",
      "    conv 3x3, 16 /* one */ // two",
      "    // last",
      "  } // end of stem",
      "  head { /* empty for now */ }",
      "  train {",
      "    epochs 1",
      "",
      "    // dangling",
      "  }",
      "}",
    );
    expect(await fmt(text)).toBe(
      lines(
        "model m { // the model",
        "  input 32x32x3 // CIFAR",
        "",
        "  // the stem",
        "  stem {",
        "    conv 3x3, 16 /* one */ // two",
        "    // last",
        "  } // end of stem",
        "  head { /* empty for now */ }",
        "  train {",
        "    epochs 1",
        "",
        "    // dangling",
        "  }",
        "}",
      ),
    );
  });

  it("splits `;`-joined statements and keeps each one's comments", async () => {
    expect(await fmt("block b() { relu /* a */; bn // b\n}\n")).toBe(
      lines("block b() {", "  relu /* a */", "  bn // b", "}"),
    );
  });

  it("moves comments from inside a statement to a line of their own above it", async () => {
    const text = lines(
      "block b(c, // channels",
      "  stride = 1) {",
      "  conv 3x3, // kernel",
      "    c, /* width */ stride stride",
      "}",
    );
    expect(await fmt(text)).toBe(
      lines(
        "// channels",
        "block b(c, stride = 1) {",
        "  // kernel",
        "  /* width */",
        "  conv 3x3, c, stride stride",
        "}",
      ),
    );
  });

  it("keeps block comments that span lines as written", async () => {
    const text = lines(
      "/* A block",
      "   comment */",
      "model m {",
      "      /* indented",
      "         comment */",
      "  input 1x1x1 /* trailing",
      "  comment */",
      "}",
    );
    expect(await fmt(text)).toBe(
      lines(
        "/* A block",
        "   comment */",
        "model m {",
        "  /* indented",
        "         comment */",
        "  input 1x1x1 /* trailing",
        "  comment */",
        "}",
      ),
    );
  });
});

describe("checkFormatted", () => {
  it("says whether a file is already formatted", async () => {
    expect(await checkFormatted("model m {\n  input 1x1x1\n}\n", "m.resnet")).toBe(true);
    expect(await checkFormatted("model m {\ninput 1x1x1\n}\n", "m.resnet")).toBe(false);
    expect(await checkFormatted("model m {\n  input 1x1x1\n}", "m.resnet")).toBe(false);
  });
});
