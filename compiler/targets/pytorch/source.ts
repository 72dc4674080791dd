// Where a part of the generated code comes from, as `file:line` for a comment.
import { basename } from "node:path";
import type { Span } from "../../../grammar/ast.js";

export function spanNote(span: Span | null): string {
  return span ? `${basename(span.file)}:${span.line}` : "";
}
