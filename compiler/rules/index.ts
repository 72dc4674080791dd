// The program-wide rules that run before any model is expanded. Model-level checks run during
// expansion (compiler/expand.ts) and shape checks during inference (compiler/shapes.ts).
import type { Diagnostic } from "../../grammar/diagnostic.js";
import type { Program } from "../program.js";
import { checkBlockDefinitions } from "./block-definitions.js";

export const RULES: ((p: Program) => Diagnostic[])[] = [checkBlockDefinitions];

export function runRules(p: Program): Diagnostic[] {
  return RULES.flatMap((r) => r(p));
}
