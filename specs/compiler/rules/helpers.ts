// Runs one rule alone over a spec text (graphql-js's expectErrors): what it reports and only that.
import { resolve } from "node:path";
import { expect } from "vitest";
import { loadProgram } from "../../../compiler/program.js";
import { runRules } from "../../../compiler/rules/index.js";
import type { Rule } from "../../../compiler/rules/rule.js";

export function reported(rule: Rule, ...lines: string[]) {
  const p = loadProgram(resolve("spec.resnet"), {
    text: lines.join("\n") + "\n",
    cwd: process.cwd(),
  });
  expect(p.diagnostics).toEqual([]);
  const ds = runRules(p, [rule]);
  for (const d of ds) expect(rule.codes).toContain(d.code);
  return ds.map((d) => ({
    code: d.code,
    message: d.message,
    line: d.span?.line,
    col: d.span?.col,
    hint: d.hint,
  }));
}

export const MODEL = [
  "model m {",
  "  input 32x32x3",
  "  stem { conv 3x3, 16 }",
  "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64]",
  "  head { global avgpool; fc 10 }",
  "}",
];
