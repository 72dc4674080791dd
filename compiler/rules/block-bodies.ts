// Every layer of every block type the user defines, used or not, with its parameters unknown:
// unknown layers (RN104), bad arguments (RN105), unknown names (RN103), layers not allowed in a
// block (RN130).
import type { Diagnostic } from "../../grammar/diagnostic.js";
import type { Env } from "../evaluate.js";
import { blockBody } from "../expand.js";
import type { Rule } from "./rule.js";

export const blockBodies: Rule = {
  name: "block-bodies",
  codes: ["RN103", "RN104", "RN105", "RN130"],
  create: (ctx) => ({
    block(b) {
      const env: Env = new Map(b.params.map((p) => [p.name, null]));
      const out: Diagnostic[] = [];
      blockBody(b, env, out);
      out.forEach(ctx.report);
    },
  }),
};
