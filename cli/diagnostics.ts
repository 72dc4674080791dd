// Printing diagnostics: tsc-style text with code frames, or JSON (--json).
import { diagnosticToJson, renderDiagnostic, type Diagnostic } from "../grammar/diagnostic.js";
import type { Output } from "./output.js";

export function printDiagnostics(o: Output, ds: Diagnostic[], sources: Map<string, string>): void {
  for (const d of ds) o.err(renderDiagnostic(d, { sources, cwd: o.cwd, color: o.color }) + "\n");
  const errors = ds.filter((d) => d.severity === "error").length;
  const warnings = ds.length - errors;
  if (ds.length) {
    const parts = [];
    if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
    if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
    o.err(`Found ${parts.join(" and ")}.`);
  }
}

export function diagnosticsJson(ds: Diagnostic[], cwd: string): unknown[] {
  return ds.map((d) => diagnosticToJson(d, cwd));
}
