// The resnetc language server: wires the LSP requests to the modules of this folder. Every
// handler is guarded: an internal error is logged to the client and the request answers empty.
import {
  CodeLens,
  InlayHint,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentPositionParams,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { completions } from "./completion.js";
import { formatDocument } from "./formatting.js";
import { hoverText } from "./hover.js";
import { shapeHints } from "./inlay-hints.js";
import {
  badName,
  blockAt,
  blockOccurrences,
  definition,
  renameEdit,
  workspaceFiles,
} from "./navigation.js";
import { Session, type SessionOptions } from "./session.js";
import { signatureHelp } from "./signature-help.js";
import { documentSymbols } from "./symbols.js";
import { pathToUri, uriToPath } from "./text.js";

export const DEFAULTS: SessionOptions = { debounceMs: 25, checkTimeoutMs: 5000 };

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let session: Session | null = null;
  let roots: string[] = [];
  let inlayHints = true;

  const guard =
    <P, R>(what: string, fallback: R, f: (p: P) => R | Promise<R>) =>
    async (p: P): Promise<R> => {
      try {
        return await f(p);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        session?.logError(what, e);
        return fallback;
      }
    };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const o = (params.initializationOptions ?? {}) as Partial<SessionOptions>;
    session = new Session(connection, documents, { ...DEFAULTS, ...o });
    roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (roots.length === 0 && params.rootUri) roots = [uriToPath(params.rootUri)];
    inlayHints = !!params.capabilities.textDocument?.inlayHint;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        completionProvider: { triggerCharacters: [" ", ":", "[", ","] },
        signatureHelpProvider: { triggerCharacters: ["(", ","] },
        documentFormattingProvider: true,
        renameProvider: { prepareProvider: true },
        ...(inlayHints ? { inlayHintProvider: true } : { codeLensProvider: {} }),
      },
      serverInfo: { name: "resnetc" },
    };
  });

  documents.onDidChangeContent((e) => session?.changed(e.document.uri));
  documents.onDidClose((e) => session?.closed(e.document.uri));

  const at = (p: TextDocumentPositionParams) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !session) return null;
    const program = session.program(p.textDocument.uri);
    if (!program) return null;
    return { doc, program, path: uriToPath(doc.uri), offset: doc.offsetAt(p.position), s: session };
  };

  connection.onHover(
    guard("hover", null, async (p: TextDocumentPositionParams) => {
      const c = at(p);
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
    const doc = documents.get(uri);
    const snap = doc && (await session?.snapshot(uri));
    const ast = snap && session?.program(uri)?.files.get(uriToPath(uri));
    if (!doc || !snap || !ast) return [];
    return shapeHints(ast, snap.facts.graphs).map((h) => ({
      ...h,
      position: doc.positionAt(h.offset),
    }));
  };
  connection.languages.inlayHint.on(
    guard("inlay hints", [] as InlayHint[], async (p) =>
      (await hints(p.textDocument.uri)).map((h) => ({
        position: h.position,
        label: h.label,
        paddingLeft: true,
      })),
    ),
  );
  connection.onCodeLens(
    guard("code lenses", [] as CodeLens[], async (p) =>
      (await hints(p.textDocument.uri)).map((h) => ({
        range: { start: h.position, end: h.position },
        command: { title: h.label, command: "" },
      })),
    ),
  );

  connection.onDefinition(
    guard("definition", null, (p: TextDocumentPositionParams) => {
      const c = at(p);
      return c ? definition(c.program, c.path, c.offset, c.s.texts(c.program)) : null;
    }),
  );

  const occurrences = (p: TextDocumentPositionParams) => {
    const c = at(p);
    const decl = c && blockAt(c.program, c.path, c.offset);
    if (!c || !decl) return null;
    const open = documents.all().map((d) => uriToPath(d.uri));
    const candidates = [...new Set([...open, ...workspaceFiles(roots)])];
    return { c, decl, spans: blockOccurrences(decl, candidates, c.s.overlays()) };
  };

  connection.onReferences(
    guard("references", null, (p) => {
      const o = occurrences(p);
      if (!o) return null;
      const texts = o.c.s.texts(o.c.program);
      return o.spans
        .filter((s, i) => i > 0 || p.context.includeDeclaration)
        .map((s) => ({ uri: pathToUri(s.file), range: texts.range(s) }));
    }),
  );

  connection.onPrepareRename(
    guard("rename", null, (p) => {
      const c = at(p);
      const decl = c && blockAt(c.program, c.path, c.offset);
      if (!c || !decl) return null;
      if (decl.span.file === c.program.preludePath)
        throw new ResponseError(
          0,
          `'${decl.name}' is a prelude block: define your own to rename it`,
        );
      const t = c.doc.getText();
      const start = c.doc.offsetAt(p.position);
      let s = start;
      while (s > 0 && /\w/.test(t[s - 1])) s--;
      return { start: c.doc.positionAt(s), end: c.doc.positionAt(s + decl.name.length) };
    }),
  );

  connection.onRenameRequest(
    guard("rename", null, (p) => {
      const why = badName(p.newName);
      if (why) throw new ResponseError(0, why);
      const o = occurrences(p);
      if (!o) return null;
      if (o.decl.span.file === o.c.program.preludePath)
        throw new ResponseError(
          0,
          `'${o.decl.name}' is a prelude block: define your own to rename it`,
        );
      return renameEdit(o.spans, p.newName, o.c.s.texts(o.c.program));
    }),
  );

  connection.onDocumentSymbol(
    guard("document symbols", [], (p) => {
      const program = session?.program(p.textDocument.uri);
      const ast = program?.files.get(uriToPath(p.textDocument.uri));
      return ast && session ? documentSymbols(ast, session.texts(program!)) : [];
    }),
  );

  connection.onCompletion(
    guard("completion", [], (p) => {
      const c = at(p);
      return c ? completions(c.program, c.doc.getText(), c.offset) : [];
    }),
  );

  connection.onSignatureHelp(
    guard("signature help", null, (p) => {
      const c = at(p);
      return c ? signatureHelp(c.program, c.doc.getText(), c.offset) : null;
    }),
  );

  connection.onDocumentFormatting(
    guard("formatting", [], async (p) => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? formatDocument(doc, uriToPath(doc.uri)) : [];
    }),
  );

  connection.onShutdown(() => session?.runner.dispose());
  documents.listen(connection);
  connection.listen();
}
