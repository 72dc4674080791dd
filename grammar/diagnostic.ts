// Diagnostics as data: every stage reports problems as Diagnostic values (code, severity, message,
// span, hint); `renderDiagnostic` is the one place that turns them into text, like tsc.
import type { Span } from "./ast.js";
import type { Code } from "./codes.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  span: Span | null;
  /** Short text shown under the caret. */
  label?: string;
  hint?: string;
  /** The model variant the problem belongs to, when it depends on one (merged by the checker). */
  variant?: string;
}

export function error(
  code: Code,
  message: string,
  span: Span | null,
  hint?: string,
  label?: string,
): Diagnostic {
  const d: Diagnostic = { code, severity: "error", message, span };
  if (hint) d.hint = hint;
  if (label) d.label = label;
  return d;
}

export function warning(code: Code, message: string, span: Span | null, hint?: string): Diagnostic {
  const d: Diagnostic = { code, severity: "warning", message, span };
  if (hint) d.hint = hint;
  return d;
}

/** Sort by file, then position; drop exact duplicates (the same problem seen in several variants). */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const key = `${d.code}|${d.span?.file}|${d.span?.start}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort(
    (a, b) =>
      (a.span?.file ?? "").localeCompare(b.span?.file ?? "") ||
      (a.span?.start ?? -1) - (b.span?.start ?? -1) ||
      a.code.localeCompare(b.code),
  );
}

export interface RenderOptions {
  /** File texts by path, for the code frame. */
  sources: Map<string, string>;
  /** Paths are shown relative to this directory. */
  cwd?: string;
  color?: boolean;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/**
 * `path:line:col - error RN201: message`, then the source line with a caret underline, then the hint.
 */
export function renderDiagnostic(d: Diagnostic, opts: RenderOptions): string {
  const color = opts.color ?? false;
  const sev = d.severity === "error" ? paint(color, "31", "error") : paint(color, "33", "warning");
  const head = `${sev} ${paint(color, "90", d.code)}: ${d.message}`;
  if (!d.span) return d.hint ? `${head}\n  hint: ${d.hint}` : head;
  const shown = displayPath(d.span.file, opts.cwd);
  const lines = [`${paint(color, "36", shown)}:${d.span.line}:${d.span.col} - ${head}`];
  const text = opts.sources.get(d.span.file);
  if (text !== undefined) {
    const lineStart = text.lastIndexOf("\n", d.span.start - 1) + 1;
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const src = text.slice(lineStart, lineEnd).replace(/\t/g, " ");
    const num = String(d.span.line);
    const gutter = " ".repeat(num.length);
    const startCol = d.span.start - lineStart;
    const width = Math.max(1, Math.min(d.span.end, lineEnd) - d.span.start);
    const underline = "^" + "~".repeat(width - 1);
    lines.push(`  ${num} | ${src}`);
    lines.push(
      `  ${gutter} | ${" ".repeat(startCol)}${paint(color, "31", underline)}${d.label ? " " + d.label : ""}`,
    );
  }
  if (d.hint) lines.push(`  ${paint(color, "32", "hint")}: ${d.hint}`);
  return lines.join("\n");
}

export function displayPath(file: string, cwd?: string): string {
  if (!cwd || file.startsWith("<")) return file;
  if (file.startsWith(cwd + "/")) return file.slice(cwd.length + 1);
  return file;
}

/** The JSON form (`--json`): one object per diagnostic, with a 1-based line and column. */
export function diagnosticToJson(d: Diagnostic, cwd?: string): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.span ? displayPath(d.span.file, cwd) : null,
    line: d.span?.line ?? null,
    column: d.span?.col ?? null,
    length: d.span ? d.span.end - d.span.start : null,
    ...(d.hint ? { hint: d.hint } : {}),
  };
}
