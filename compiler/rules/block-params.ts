// Every block type's parameters: none declared (RN106), one declared twice (RN102), and defaults
// that use unknown names (RN103; a default may use the parameters before it).
import { error } from "../../grammar/diagnostic.js";
import { evaluate, type Env } from "../evaluate.js";
import type { Rule } from "./rule.js";

export const blockParams: Rule = {
  name: "block-params",
  codes: ["RN102", "RN103", "RN106"],
  create: (ctx) => ({
    block(b) {
      const env: Env = new Map();
      const out = { push: ctx.report };
      for (const p of b.params) {
        if (env.has(p.name)) {
          ctx.report(
            error("RN102", `parameter '${p.name}' of block '${b.name}' is declared twice`, p.span),
          );
          continue;
        }
        if (p.default) evaluate(p.default, env, out as never);
        env.set(p.name, null);
      }
      if (b.params.length === 0)
        ctx.report(
          error(
            "RN106",
            `block '${b.name}' has no parameters; a stage passes it a width`,
            b.nameSpan,
            `declare one: block ${b.name}(c, stride = 1) { ... }`,
          ),
        );
    },
  }),
};
