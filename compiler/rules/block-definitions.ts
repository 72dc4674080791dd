// Every block type defined in the user's files is checked on its own, used or not: parameter
// names (RN102), defaults (RN103), and each layer of its body (RN103, RN104, RN105, RN130).
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import { evaluate, type Env } from "../evaluate.js";
import { blockBody } from "../expand.js";
import type { Program } from "../program.js";

export function checkBlockDefinitions(prog: Program): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [path, ast] of prog.files) {
    if (path === prog.preludePath) continue;
    for (const b of ast.blocks) {
      const env: Env = new Map();
      for (const p of b.params) {
        if (env.has(p.name)) {
          out.push(
            error("RN102", `parameter '${p.name}' of block '${b.name}' is declared twice`, p.span),
          );
          continue;
        }
        // A default may use the parameters before it; its value is unknown here.
        if (p.default) evaluate(p.default, env, out);
        env.set(p.name, null);
      }
      if (b.params.length === 0) {
        out.push(
          error(
            "RN106",
            `block '${b.name}' has no parameters; a stage passes it a width`,
            b.nameSpan,
            `declare one: block ${b.name}(c, stride = 1) { ... }`,
          ),
        );
      }
      blockBody(b, env, out);
    }
  }
  return out;
}
