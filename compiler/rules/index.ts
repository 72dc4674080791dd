// The rules, run over every user file (the prelude is the compiler's own) before any model is
// expanded. One rule a file, each with its spec in specs/compiler/rules/.
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { visit } from "../../grammar/visitor.js";
import type { Program } from "../program.js";
import { blockBodies } from "./block-bodies.js";
import { blockParams } from "./block-params.js";
import { duplicateDefinitions } from "./duplicate-definitions.js";
import type { Rule } from "./rule.js";
import { shortcutOptions } from "./shortcut-options.js";
import { stageRanges } from "./stage-ranges.js";

export const RULES: Rule[] = [
  duplicateDefinitions,
  blockParams,
  blockBodies,
  shortcutOptions,
  stageRanges,
];

export function runRules(p: Program, rules: readonly Rule[] = RULES): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const path of p.order) {
    if (path === p.preludePath) continue;
    const file = p.files.get(path)!;
    for (const rule of rules)
      visit(file, rule.create({ program: p, file, report: (d) => out.push(d) }));
  }
  return out;
}
