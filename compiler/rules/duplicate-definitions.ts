// A block type or model defined twice across the user's files (RN102), at the second definition.
// Loading keeps the first, so the rest of the checks see one of each.
import type { Span } from "../../grammar/ast.js";
import { error } from "../../grammar/diagnostic.js";
import { where } from "../program.js";
import type { Rule } from "./rule.js";

export const duplicateDefinitions: Rule = {
  name: "duplicate-definitions",
  codes: ["RN102"],
  create: (ctx) => {
    const check = (kind: string, name: string, span: Span, first: Span | undefined) => {
      if (first && first !== span)
        ctx.report(
          error(
            "RN102",
            `${kind} '${name}' is defined twice`,
            span,
            `the first definition is at ${where(first, ctx.program.cwd)}`,
          ),
        );
    };
    return {
      block: (b) =>
        check("block", b.name, b.nameSpan, ctx.program.firstBlocks.get(b.name)?.nameSpan),
      model: (m) => check("model", m.name, m.nameSpan, ctx.program.models.get(m.name)?.nameSpan),
    };
  },
};
