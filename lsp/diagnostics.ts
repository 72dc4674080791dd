// Compiler diagnostics -> LSP diagnostics for one document: the same code, range, message, label
// and hint as `resnetc check`. A problem in a file the document uses is shown on its `use` line.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from "vscode-languageserver";
import { dirname, resolve, basename } from "node:path";
import type { FileAst } from "../grammar/ast.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import type { Texts } from "./text.js";

export function lspDiagnostics(
  path: string,
  ast: FileAst | undefined,
  ds: Diagnostic[],
  texts: Texts,
): LspDiagnostic[] {
  return ds.map((d) => toLsp(path, ast, d, texts));
}

function toLsp(path: string, ast: FileAst | undefined, d: Diagnostic, texts: Texts): LspDiagnostic {
  const lines = [d.message];
  if (d.label) lines.push(d.label);
  if (d.hint) lines.push(`hint: ${d.hint}`);
  let span = d.span;
  if (span && span.file !== path) {
    // Reported in an imported file: point at the `use` that brings it in (or the first `use`).
    const use =
      ast?.uses.find((u) => resolve(dirname(path), u.path) === span!.file) ?? ast?.uses[0];
    lines[0] = `${basename(span.file)}:${span.line}:${span.col}: ${d.message}`;
    span = use ? use.span : null;
  }
  const range = span
    ? texts.range(span)
    : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return {
    range,
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "resnetc",
    message: lines.join("\n"),
  };
}
