// Positions: compiler spans (0-based offsets) <-> LSP ranges (0-based line and UTF-16 character),
// file paths <-> URIs, and the word under the cursor.
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Range } from "vscode-languageserver";
import type { Span } from "../grammar/ast.js";

export function uriToPath(uri: string): string {
  if (uri.startsWith("file:")) return fileURLToPath(uri);
  // untitled:Untitled-1 and other schemes: a path in the working directory, for relative `use`s.
  return resolve(uri.replace(/^[a-z]+:/i, "").replace(/[^\w.-]/g, "_") || "untitled.resnet");
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** A TextDocument per text, so that offsets convert in O(log n) after one pass over the text. */
export class Texts {
  private cache = new Map<string, TextDocument>();
  constructor(private readonly read: (path: string) => string | undefined) {}

  doc(path: string): TextDocument | undefined {
    let d = this.cache.get(path);
    if (!d) {
      const text = this.read(path);
      if (text === undefined) return undefined;
      d = TextDocument.create(pathToUri(path), "resnet", 0, text);
      this.cache.set(path, d);
    }
    return d;
  }

  range(span: { file: string; start: number; end: number }): Range {
    const d = this.doc(span.file);
    if (!d) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return { start: d.positionAt(span.start), end: d.positionAt(Math.max(span.start, span.end)) };
  }
}

export function spanContains(span: Span, file: string, offset: number): boolean {
  return span.file === file && span.start <= offset && offset <= span.end;
}

/** The name (letters, digits, _) around an offset, with its start. */
export function wordAt(text: string, offset: number): { word: string; start: number } | null {
  let s = offset;
  while (s > 0 && /\w/.test(text[s - 1])) s--;
  let e = offset;
  while (e < text.length && /\w/.test(text[e])) e++;
  return e > s ? { word: text.slice(s, e), start: s } : null;
}

/** The text of the offset's line up to the offset. */
export function linePrefix(text: string, offset: number): string {
  return text.slice(text.lastIndexOf("\n", offset - 1) + 1, offset);
}

export function int(n: number): string {
  return n.toLocaleString("en-US");
}

/** 4.1G, 25.6M, 9,472: multiply-adds and parameters at a glance. */
export function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  return int(n);
}
