// Expressions: numbers, names, + - * / with precedence and left associativity, parentheses, unary
// minus, and the rule that tells a negative number (`pad -1`) from a subtraction (`a - 1`).
import { describe, expect, it } from "vitest";
import type { Expr, ModelStmt } from "../../grammar/ast.js";
import { arg, bin, decls, dims, neg, num, parse, strip, v } from "./helpers.js";

/** The expression `n = TEXT` binds in a variant, as parsed. */
function exprOf(text: string): Expr {
  const ast = parse(`model m {\n  variants {\n    a: n = ${text}\n  }\n}\n`);
  const st = ast.models[0].statements[0] as Extract<ModelStmt, { kind: "variants" }>;
  const b = st.variants[0].bindings[0];
  if (b.kind !== "binding") throw new Error("expected a binding");
  return b.value;
}
const expr = (text: string) => strip(exprOf(text));

/** The arguments of the single command of a block body. */
function argsOf(command: string): unknown {
  const [block] = decls(`block b(c) {\n  ${command}\n}\n`) as { body: { args: unknown }[] }[];
  return block.body[0].args;
}

describe("numbers and names", () => {
  it("reads integers, decimals and exponents, keeping the text as written", () => {
    expect(expr("64")).toEqual(num(64));
    expect(expr("0.9")).toEqual(num(0.9));
    expect(expr("1e-4")).toEqual(num(0.0001, "1e-4"));
    expect(expr("2.5E3")).toEqual(num(2500, "2.5E3"));
  });

  it("reads names with letters, digits and underscores", () => {
    expect(expr("weight_decay2")).toEqual(v("weight_decay2"));
    expect(expr("_n")).toEqual(v("_n"));
  });

  it("reads a name that starts with a keyword as a name", () => {
    expect(expr("inputs")).toEqual(v("inputs"));
    expect(expr("stages2")).toEqual(v("stages2"));
    expect(expr("xs")).toEqual(v("xs"));
  });
});

describe("operators", () => {
  it("binds * and / tighter than + and -", () => {
    expect(expr("1 + 2 * 3")).toEqual(bin("+", num(1), bin("*", num(2), num(3))));
    expect(expr("8 / 2 - 1")).toEqual(bin("-", bin("/", num(8), num(2)), num(1)));
  });

  it("associates to the left", () => {
    expect(expr("10 - 4 - 3")).toEqual(bin("-", bin("-", num(10), num(4)), num(3)));
    expect(expr("64 / 2 / 2")).toEqual(bin("/", bin("/", num(64), num(2)), num(2)));
    expect(expr("a * b / c * d")).toEqual(
      bin("*", bin("/", bin("*", v("a"), v("b")), v("c")), v("d")),
    );
  });

  it("groups with parentheses", () => {
    expect(expr("(1 + 2) * 3")).toEqual(bin("*", bin("+", num(1), num(2)), num(3)));
    expect(expr("expansion * (c + 1) / 2")).toEqual(
      bin("/", bin("*", v("expansion"), bin("+", v("c"), num(1))), num(2)),
    );
  });

  it("negates a name or a parenthesised expression", () => {
    expect(expr("-c")).toEqual(neg(v("c")));
    expect(expr("-(c + 1)")).toEqual(neg(bin("+", v("c"), num(1))));
    expect(expr("2 * -c")).toEqual(bin("*", num(2), neg(v("c"))));
  });

  it("spans a binary expression from its first to its last character", () => {
    const e = exprOf("1 + 2 * 3");
    expect(e.span).toEqual({ file: "spec.resnet", start: 34, end: 43, line: 3, col: 12 });
    if (e.kind !== "bin") throw new Error("expected bin");
    expect(e.right.span).toMatchObject({ line: 3, col: 16, start: 38, end: 43 });
  });

  it("spans a parenthesised expression with its parentheses", () => {
    const e = exprOf("(1 + 2) * 3");
    expect(e.span).toMatchObject({ line: 3, col: 12, start: 34, end: 45 });
    if (e.kind !== "bin") throw new Error("expected bin");
    expect(e.left.span).toMatchObject({ line: 3, col: 12, start: 34, end: 41 });
    const n = exprOf("-(c + 1)");
    if (n.kind !== "neg") throw new Error("expected neg");
    expect(n.operand.span).toMatchObject({ line: 3, col: 13, start: 35, end: 42 });
    expect(exprOf("((c))").span).toMatchObject({ line: 3, col: 12, start: 34, end: 39 });
  });
});

describe("negative numbers and subtraction", () => {
  it("reads `-1` after a space, '(', '[', ',', ':' or '=' as a negative number", () => {
    expect(expr("-1")).toEqual(num(-1));
    expect(expr("2 * -1")).toEqual(bin("*", num(2), num(-1)));
    expect(expr("(-1)")).toEqual(num(-1));
    expect(expr("-0.5")).toEqual(num(-0.5));
  });

  it("reads `a - 1` and `a-1` as subtractions", () => {
    expect(expr("a - 1")).toEqual(bin("-", v("a"), num(1)));
    expect(expr("a-1")).toEqual(bin("-", v("a"), num(1)));
    expect(expr("4-1")).toEqual(bin("-", num(4), num(1)));
    expect(expr("(a)-1")).toEqual(bin("-", v("a"), num(1)));
  });

  it("reads a minus right after an operator as a unary minus", () => {
    expect(expr("2*-1")).toEqual(bin("*", num(2), neg(num(1))));
  });

  it("keeps juxtaposed arguments apart: `pad -1` is an option and its value", () => {
    expect(argsOf("conv 3x3, c, pad -1")).toEqual([
      arg(dims("3x3")),
      arg(v("c")),
      arg(v("pad"), num(-1)),
    ]);
    expect(argsOf("conv 3x3, c - 1, stride c-1")).toEqual([
      arg(dims("3x3")),
      arg(bin("-", v("c"), num(1))),
      arg(v("stride"), bin("-", v("c"), num(1))),
    ]);
    expect(argsOf("k 1 -1")).toEqual([arg(num(1), num(-1))]);
  });

  it("reads a minus before a name as a subtraction from the word before it", () => {
    // `pad -c` is `pad - c`: only a minus before a digit makes a negative number.
    expect(argsOf("conv 3x3, c, pad -c")).toEqual([
      arg(dims("3x3")),
      arg(v("c")),
      arg(bin("-", v("pad"), v("c"))),
    ]);
    // At the start of an argument there is nothing to subtract from: a unary minus.
    expect(argsOf("k -c")).toEqual([arg(neg(v("c")))]);
  });
});
