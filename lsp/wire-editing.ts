// Requests that help write a spec: outline, completion, signature help, formatting.
import { formatDocument } from "./formatting.js";
import { completions } from "./completion.js";
import { signatureHelp } from "./signature-help.js";
import { documentSymbols } from "./symbols.js";
import { uriToPath } from "./text.js";
import type { Wiring } from "./wiring.js";

export function wireEditing(w: Wiring): void {
  w.connection.onDocumentSymbol(
    w.guard("document symbols", [], (p) => {
      const s = w.session();
      const program = s?.program(p.textDocument.uri);
      const ast = program?.files.get(uriToPath(p.textDocument.uri));
      return ast && s && program ? documentSymbols(ast, s.texts(program)) : [];
    }),
  );

  w.connection.onCompletion(
    w.guard("completion", [], (p) => {
      const c = w.at(p);
      return c ? completions(c.program, c.doc.getText(), c.offset) : [];
    }),
  );

  w.connection.onSignatureHelp(
    w.guard("signature help", null, (p) => {
      const c = w.at(p);
      return c ? signatureHelp(c.program, c.doc.getText(), c.offset) : null;
    }),
  );

  w.connection.onDocumentFormatting(
    w.guard("formatting", [], async (p) => {
      const doc = w.documents.get(p.textDocument.uri);
      return doc ? formatDocument(doc, uriToPath(doc.uri)) : [];
    }),
  );
}
