// Formatting through the Prettier plugin that `resnetc fmt` uses: one edit replacing the whole
// document, none when the text is already formatted or does not parse.
import type { TextEdit } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { formatResnet } from "./compiler-adapter.js";

export async function formatDocument(doc: TextDocument, path: string): Promise<TextEdit[]> {
  const text = doc.getText();
  let formatted: string;
  try {
    formatted = await formatResnet(text, path);
  } catch {
    return []; // a syntax error: the diagnostics already say where
  }
  if (formatted === text) return [];
  return [
    { range: { start: doc.positionAt(0), end: doc.positionAt(text.length) }, newText: formatted },
  ];
}
