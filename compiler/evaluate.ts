// Evaluating expressions over an environment of names. `null` is an unknown value (a block's
// parameter while checking the block on its own): arithmetic on it stays unknown.
import type { Expr, Span } from "../grammar/ast.js";
import { LIMIT_HINT, limitFor } from "./limits.js";
import { error, type Diagnostic } from "../grammar/diagnostic.js";
import { didYouMean } from "../grammar/suggest.js";

export type Env = Map<string, number | null>;

export function evaluate(e: Expr, env: Env, out: Diagnostic[]): number | null {
  switch (e.kind) {
    case "num":
      return e.value;
    case "var": {
      if (env.has(e.name)) return env.get(e.name)!;
      out.push(
        error(
          "RN103",
          `unknown name '${e.name}'`,
          e.span,
          didYouMean(e.name, env.keys()) ?? namesHint(env),
        ),
      );
      return null;
    }
    case "neg": {
      const v = evaluate(e.operand, env, out);
      return v === null ? null : -v;
    }
    case "call": {
      const v = evaluate(e.arg, env, out);
      return v === null ? null : Math.floor(v);
    }
    case "bin": {
      const l = evaluate(e.left, env, out);
      const r = evaluate(e.right, env, out);
      if (l === null || r === null) return null;
      switch (e.op) {
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        case "/":
          if (r === 0) {
            out.push(error("RN121", "division by zero", e.span));
            return null;
          }
          return l / r;
      }
    }
  }
}

function namesHint(env: Env): string | undefined {
  const names = [...env.keys()];
  return names.length ? `names defined here: ${names.join(", ")}` : undefined;
}

/** A positive integer (channels, counts, strides, kernel sizes), or RN120. */
export function positiveInt(
  v: number | null,
  what: string,
  span: Span,
  out: Diagnostic[],
  context = "",
): number | null {
  if (v === null) return null;
  if (!Number.isInteger(v) || v < 1) {
    out.push(
      error(
        "RN120",
        `${what} must be a positive integer, got ${fmt(v)}${context}`,
        span,
        Number.isInteger(v)
          ? undefined
          : "widths and counts must come out whole: check the division",
      ),
    );
    return null;
  }
  const max = limitFor(what);
  if (v > max) {
    out.push(
      error(
        "RN122",
        `${what} of ${fmt(v)} is over the limit of ${fmt(max)}${context}`,
        span,
        LIMIT_HINT,
      ),
    );
    return null;
  }
  return v;
}

export function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
