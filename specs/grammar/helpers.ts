// Shared by the parser specs: parse a text, and compare ASTs without their spans (spans are
// checked on their own, for a few nodes, with exact lines and columns).
import { expect } from "vitest";
import type { FileAst } from "../../grammar/ast.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { parseSource } from "../../grammar/parse.js";

export const PATH = "spec.resnet";

/** Parses the text and expects no diagnostic. */
export function parse(text: string): FileAst {
  const { ast, diagnostics } = parseSource(PATH, text);
  expect(diagnostics.map((d) => `${d.code} ${d.span?.line}:${d.span?.col} ${d.message}`)).toEqual(
    [],
  );
  return ast;
}

/** Parses the text, which has syntax errors: the diagnostics, and what was recovered. */
export function parseWithErrors(text: string): { ast: FileAst; diagnostics: Diagnostic[] } {
  return parseSource(PATH, text);
}

/** A deep copy without `span`, `nameSpan`, `keySpan` ... properties. */
export function strip<T>(value: T): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!/^span$|Span$/.test(k)) out[k] = strip(v);
    return out;
  }
  return value;
}

/** The declarations of a text, without spans. */
export function decls(text: string): unknown {
  return strip(parse(text).decls);
}

// Small builders for expected expressions.
export const num = (value: number, text = String(value)) => ({ kind: "num", value, text });
export const v = (name: string) => ({ kind: "var", name });
export const bin = (op: "+" | "-" | "*" | "/", left: unknown, right: unknown) => ({
  kind: "bin",
  op,
  left,
  right,
});
export const neg = (operand: unknown) => ({ kind: "neg", operand });

const ITEM_KINDS = ["expr", "dims", "string", "list", "range"];

/** An argument: juxtaposed items (`stride 2` is two); a bare expression becomes an expr item. */
export const arg = (...items: { kind: string }[]) => ({
  items: items.map((i) => (ITEM_KINDS.includes(i.kind) ? i : { kind: "expr", expr: i })),
});

export const list = (...items: unknown[]) => ({ kind: "list", items });
export const str = (value: string) => ({ kind: "string", value });
export const range = (from: unknown, to: unknown) => ({ kind: "range", from, to });

/** A command `name arg, arg, ...`, optionally labelled. */
export const cmd = (name: string, args: unknown[] = [], label: string | null = null) => ({
  kind: "command",
  name,
  label: label === null ? null : { name: label },
  args,
});

export const dims = (text: string) => ({
  kind: "dims",
  dims: text.split("x").map(Number),
  text,
});
