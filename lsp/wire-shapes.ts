// Requests that show the checked shapes: hover, inlay hints, and code lenses for clients without
// inlay hints.
import type { CodeLens, InlayHint, TextDocumentPositionParams } from "vscode-languageserver";
import { hoverText } from "./hover.js";
import { shapeHints } from "./inlay-hints.js";
import { uriToPath } from "./text.js";
import type { Wiring } from "./wiring.js";

export function wireShapes(w: Wiring): void {
  w.connection.onHover(
    w.guard("hover", null, async (p: TextDocumentPositionParams) => {
      const c = w.at(p);
      if (!c) return null;
      const snap = await c.s.snapshot(p.textDocument.uri);
      // A file without models (the prelude, a library of blocks): the open files that use it.
      const facts =
        snap && snap.facts.graphs.length === 0
          ? { ...snap.facts, graphs: c.s.allGraphs() }
          : (snap?.facts ?? null);
      const text = hoverText(c.program, c.path, c.offset, facts);
      return text ? { contents: { kind: "markdown" as const, value: text } } : null;
    }),
  );

  const hints = async (uri: string) => {
    const doc = w.documents.get(uri);
    const s = w.session();
    const snap = doc && (await s?.snapshot(uri));
    const ast = snap && s?.program(uri)?.files.get(uriToPath(uri));
    if (!doc || !snap || !ast) return [];
    return shapeHints(ast, snap.facts.graphs).map((h) => ({
      ...h,
      position: doc.positionAt(h.offset),
    }));
  };
  w.connection.languages.inlayHint.on(
    w.guard("inlay hints", [] as InlayHint[], async (p) =>
      (await hints(p.textDocument.uri)).map((h) => ({
        position: h.position,
        label: h.label,
        paddingLeft: true,
      })),
    ),
  );
  w.connection.onCodeLens(
    w.guard("code lenses", [] as CodeLens[], async (p) =>
      (await hints(p.textDocument.uri)).map((h) => ({
        range: { start: h.position, end: h.position },
        command: { title: h.label, command: "" },
      })),
    ),
  );
}
