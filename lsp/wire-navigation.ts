// Requests that move around the workspace: definition, references, rename.
import { ResponseError, type TextDocumentPositionParams } from "vscode-languageserver";
import type { BlockDecl } from "../grammar/ast.js";
import type { Program } from "./compiler-adapter.js";
import {
  badName,
  blockAt,
  blockOccurrences,
  definition,
  renameEdit,
  workspaceFiles,
} from "./navigation.js";
import { pathToUri, uriToPath } from "./text.js";
import type { Wiring } from "./wiring.js";

function refusePrelude(decl: BlockDecl, program: Program): void {
  if (decl.span.file === program.preludePath)
    throw new ResponseError(0, `'${decl.name}' is a prelude block: define your own to rename it`);
}

export function wireNavigation(w: Wiring): void {
  w.connection.onDefinition(
    w.guard("definition", null, (p: TextDocumentPositionParams) => {
      const c = w.at(p);
      return c ? definition(c.program, c.path, c.offset, c.s.texts(c.program)) : null;
    }),
  );

  const occurrences = (p: TextDocumentPositionParams) => {
    const c = w.at(p);
    const decl = c && blockAt(c.program, c.path, c.offset);
    if (!c || !decl) return null;
    const open = w.documents.all().map((d) => uriToPath(d.uri));
    const candidates = [...new Set([...open, ...workspaceFiles(w.roots())])];
    return { c, decl, spans: blockOccurrences(decl, candidates, c.s.overlays()) };
  };

  w.connection.onReferences(
    w.guard("references", null, (p) => {
      const o = occurrences(p);
      if (!o) return null;
      const texts = o.c.s.texts(o.c.program);
      return o.spans
        .filter((s, i) => i > 0 || p.context.includeDeclaration)
        .map((s) => ({ uri: pathToUri(s.file), range: texts.range(s) }));
    }),
  );

  w.connection.onPrepareRename(
    w.guard("rename", null, (p) => {
      const c = w.at(p);
      const decl = c && blockAt(c.program, c.path, c.offset);
      if (!c || !decl) return null;
      refusePrelude(decl, c.program);
      const t = c.doc.getText();
      let s = c.offset;
      while (s > 0 && /\w/.test(t[s - 1])) s--;
      return { start: c.doc.positionAt(s), end: c.doc.positionAt(s + decl.name.length) };
    }),
  );

  w.connection.onRenameRequest(
    w.guard("rename", null, (p) => {
      const why = badName(p.newName);
      if (why) throw new ResponseError(0, why);
      const o = occurrences(p);
      if (!o) return null;
      refusePrelude(o.decl, o.c.program);
      return renameEdit(o.spans, p.newName, o.c.s.texts(o.c.program));
    }),
  );
}
