// resnetc check FILE...: parse and check specs, shapes included; print every diagnostic.
import { analyze } from "../../compiler/ir/analysis.js";
import { displayPath } from "../../grammar/diagnostic.js";
import { compileAll, type CompileFlags } from "../compile.js";
import type { Output } from "../output.js";

export function checkCommand(o: Output, files: string[], flags: CompileFlags): void {
  const results = compileAll(o, files, flags);
  if (flags.json) {
    if (!results.some((r) => r.diagnostics.length)) o.out("[]");
    return;
  }
  for (const r of results) {
    const byModel = new Map<string, string[]>();
    for (const g of r.graphs) {
      const a = analyze(g);
      const list = byModel.get(g.name) ?? [];
      list.push(g.variant === null ? `${a.depth} layers` : g.variant);
      byModel.set(g.name, list);
    }
    const what = [...byModel].map(([m, vs]) => `${m} [${vs.join(", ")}]`).join(", ");
    o.out(`${displayPath(r.program.entry, o.cwd)}: ok (${what})`);
  }
}
