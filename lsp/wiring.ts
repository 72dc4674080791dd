// What every request handler needs: the connection, the open documents, the session (after
// initialize), the workspace folders, and `guard`, which logs an internal error to the client and
// answers with a fallback instead of failing the request.
import {
  ResponseError,
  type Connection,
  type TextDocumentPositionParams,
  type TextDocuments,
} from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Program } from "./compiler-adapter.js";
import type { Session } from "./session.js";
import { uriToPath } from "./text.js";

export interface Wiring {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  session(): Session | null;
  roots(): string[];
  guard<P, R>(what: string, fallback: R, f: (p: P) => R | Promise<R>): (p: P) => Promise<R>;
  /** The document, its parsed program and the offset of a position request, or null. */
  at(p: TextDocumentPositionParams): At | null;
}

export interface At {
  doc: TextDocument;
  program: Program;
  path: string;
  offset: number;
  s: Session;
}

export function wiring(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  state: { session: Session | null; roots: string[] },
): Wiring {
  return {
    connection,
    documents,
    session: () => state.session,
    roots: () => state.roots,
    guard:
      <P, R>(what: string, fallback: R, f: (p: P) => R | Promise<R>) =>
      async (p: P): Promise<R> => {
        try {
          return await f(p);
        } catch (e) {
          if (e instanceof ResponseError) throw e; // a deliberate answer (e.g. a bad new name)
          state.session?.logError(what, e);
          return fallback;
        }
      },
    at: (p) => {
      const doc = documents.get(p.textDocument.uri);
      const s = state.session;
      if (!doc || !s) return null;
      const program = s.program(p.textDocument.uri);
      if (!program) return null;
      return { doc, program, path: uriToPath(doc.uri), offset: doc.offsetAt(p.position), s };
    },
  };
}
