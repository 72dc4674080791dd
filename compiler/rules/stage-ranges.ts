// `stages a..b` names a rising range of stage names that differ only in their number (RN110).
import { error } from "../../grammar/diagnostic.js";
import type { Rule } from "./rule.js";

/** The numbers of a range `conv2..conv5` ([2, 5] with prefix "conv"), or null if it is none. */
export function stageRange(
  from: string,
  to: string,
): { prefix: string; first: number; last: number } | null {
  const a = /^(.*?)(\d+)$/.exec(from);
  const b = /^(.*?)(\d+)$/.exec(to);
  if (!a || !b || a[1] !== b[1] || Number(b[2]) < Number(a[2])) return null;
  return { prefix: a[1]!, first: Number(a[2]), last: Number(b[2]) };
}

export const stageRanges: Rule = {
  name: "stage-ranges",
  codes: ["RN110"],
  create: (ctx) => ({
    statement(s) {
      if (s.kind !== "stages" || stageRange(s.from.name, s.to.name)) return;
      ctx.report(
        error(
          "RN110",
          `'${s.from.name}..${s.to.name}' is not a range of stage names`,
          s.from.span,
          "write names that differ only in a rising number, e.g. conv2..conv5",
        ),
      );
    },
  }),
};
