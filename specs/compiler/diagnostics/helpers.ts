// Shared by the diagnostic specs: check a spec's source text (no file is written) and compare its
// diagnostics by code, message, position and hint.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { checkFile, type CheckResult, type Selection } from "../../../compiler/check.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";

/**
 * The path spec texts are checked under. The file does not exist: checkFile gets the text. It lies
 * in the working directory, so hints that name a place show it as `spec.resnet:LINE:COL`.
 */
export const SPEC = resolve("spec.resnet");

/** Lines of a spec source, joined with newlines (line N of the file is argument N). */
export function src(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

/** What the specs compare: everything a user sees except the file (always SPEC unless said). */
export interface Seen {
  code: string;
  message: string;
  line?: number;
  col?: number;
  hint?: string;
  label?: string;
}

export function seen(d: Diagnostic): Seen {
  const s: Seen = { code: d.code, message: d.message };
  if (d.span) {
    s.line = d.span.line;
    s.col = d.span.col;
  }
  if (d.hint !== undefined) s.hint = d.hint;
  if (d.label !== undefined) s.label = d.label;
  return s;
}

/** Checks as the CLI does (paths relative to the working directory), verifying every IR built. */
export function check(text: string, sel: Selection = {}, path = SPEC): CheckResult {
  return checkFile(path, sel, { text, cwd: process.cwd(), verify: true });
}

/** Every diagnostic of the text, in the order the compiler reports them. */
export function diagnose(text: string, sel: Selection = {}, path = SPEC): Seen[] {
  return check(text, sel, path).diagnostics.map(seen);
}

/** The text checks cleanly: no diagnostic at all, and at least one graph was built. */
export function expectClean(text: string, sel: Selection = {}, path = SPEC): CheckResult {
  const r = check(text, sel, path);
  expect(r.diagnostics.map(seen)).toEqual([]);
  expect(r.ok).toBe(true);
  expect(r.graphs.length).toBeGreaterThan(0);
  return r;
}

/** A model that checks cleanly around the given statements (input and head included). */
export const INPUT = "  input 32x32x3";
export const HEAD = "  head { global avgpool; fc 10 }";

/** Temporary directories for specs that need files on disk (imports); remove them afterwards. */
const dirs: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "resnetc-diag-"));
  dirs.push(d);
  return d;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
