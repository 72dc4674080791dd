// Shared by the commands that read specs: check every file, print diagnostics, fail with exit 1.
import { checkFile, type CheckResult, type Selection } from "../compiler/check.js";
import { CliError, EXIT } from "./errors.js";
import { printDiagnostics, diagnosticsJson } from "./diagnostics.js";
import { expandSpecArgs } from "./files.js";
import type { Output } from "./output.js";

export interface CompileFlags {
  variant?: string;
  model?: string;
  json?: boolean;
}

/** Checks the files; prints diagnostics (as JSON with --json) and throws exit 1 on errors. */
export function compileAll(o: Output, args: string[], flags: CompileFlags): CheckResult[] {
  const files = expandSpecArgs(args, o.cwd);
  const sel: Selection = {};
  if (flags.variant !== undefined) sel.variant = String(flags.variant);
  if (flags.model !== undefined) sel.model = flags.model;
  const results = files.map((f) => checkFile(f, sel, { cwd: o.cwd }));
  const all = results.flatMap((r) => r.diagnostics);
  if (all.length) {
    if (flags.json) o.out(JSON.stringify(diagnosticsJson(all, o.cwd), null, 2));
    else {
      const sources = new Map<string, string>();
      for (const r of results) for (const [k, v] of r.program.sources) sources.set(k, v);
      printDiagnostics(o, all, sources);
    }
  }
  if (results.some((r) => !r.ok)) throw new CliError("", EXIT.user);
  return results;
}
