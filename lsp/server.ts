// The resnetc language server: the capabilities it announces, the session it starts on
// initialize, and the request handlers (wire-*.ts) it registers. Every handler is guarded: an
// internal error is logged to the client and the request answers empty.
import {
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { Session, type SessionOptions } from "./session.js";
import { uriToPath } from "./text.js";
import { wireEditing } from "./wire-editing.js";
import { wireNavigation } from "./wire-navigation.js";
import { wireShapes } from "./wire-shapes.js";
import { wiring } from "./wiring.js";

export const DEFAULTS: SessionOptions = { debounceMs: 25, checkTimeoutMs: 5000 };

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const state: { session: Session | null; roots: string[] } = { session: null, roots: [] };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const o = (params.initializationOptions ?? {}) as Partial<SessionOptions>;
    state.session = new Session(connection, documents, { ...DEFAULTS, ...o });
    state.roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (state.roots.length === 0 && params.rootUri) state.roots = [uriToPath(params.rootUri)];
    const inlayHints = !!params.capabilities.textDocument?.inlayHint;
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
        // Shapes at the ends of lines: inlay hints, or code lenses for clients without them.
        ...(inlayHints ? { inlayHintProvider: true } : { codeLensProvider: {} }),
      },
      serverInfo: { name: "resnetc" },
    };
  });

  documents.onDidChangeContent((e) => state.session?.changed(e.document.uri));
  documents.onDidClose((e) => state.session?.closed(e.document.uri));

  const w = wiring(connection, documents, state);
  wireShapes(w);
  wireNavigation(w);
  wireEditing(w);

  connection.onShutdown(() => state.session?.runner.dispose());
  documents.listen(connection);
  connection.listen();
}
