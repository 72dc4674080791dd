// `shortcut X` and `shortcuts [...]` name an option resnetc has (RN109): A, B, C, D (either
// case), identity or none.
import { printExpr, type Expr, type Span } from "../../grammar/ast.js";
import { error } from "../../grammar/diagnostic.js";
import { shortcutMode } from "../instance.js";
import type { Rule } from "./rule.js";

export const SHORTCUT_HINT =
  "shortcut is A (identity + zero padding), B (projection where the shape changes), C (projection everywhere), D (average pool + projection where the shape changes), identity, or none (a plain network)";

export const shortcutOptions: Rule = {
  name: "shortcut-options",
  codes: ["RN109"],
  create: (ctx) => {
    const check = (value: string, span: Span) => {
      if (shortcutMode(value) === null)
        ctx.report(error("RN109", `unknown shortcut option '${value}'`, span, SHORTCUT_HINT));
    };
    const text = (e: Expr) => (e.kind === "var" ? e.name : printExpr(e));
    return {
      statement(s) {
        if (s.kind === "shortcut") check(s.value, s.valueSpan);
        if (s.kind === "stage" && s.shortcut) check(s.shortcut.value, s.shortcut.span);
        if (s.kind !== "stages") return;
        for (const o of s.options)
          if (o.name === "shortcuts") for (const e of o.values) check(text(e), e.span);
      },
    };
  },
};
