// The server's state: open documents, their latest check (facts and the version they belong to),
// debounced rechecks after every change, and rechecks of the open files that use a changed one.
import { readFileSync } from "node:fs";
import type { Connection, TextDocuments } from "vscode-languageserver";
import { DiagnosticSeverity } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { parseProgram, type CheckFacts, type Overlays, type Program } from "./compiler-adapter.js";
import { CheckRunner } from "./check-runner.js";
import { lspDiagnostics } from "./diagnostics.js";
import { Texts, uriToPath } from "./text.js";

export interface SessionOptions {
  debounceMs: number;
  checkTimeoutMs: number;
}

export interface Snapshot {
  version: number;
  facts: CheckFacts;
}

interface Waiter {
  version: number;
  resolve: (s: Snapshot | null) => void;
}

export class Session {
  readonly runner: CheckRunner;
  private snapshots = new Map<string, Snapshot>();
  private timers = new Map<string, NodeJS.Timeout>();
  private waiters = new Map<string, Waiter[]>();
  private parsed = new Map<string, { version: number; program: Program }>();

  constructor(
    private readonly connection: Connection,
    readonly documents: TextDocuments<TextDocument>,
    readonly opts: SessionOptions,
  ) {
    this.runner = new CheckRunner({ timeoutMs: opts.checkTimeoutMs });
    this.runner.warmUp();
  }

  /** Open buffers by path, for `use` imports. */
  overlays(): Overlays {
    const m: Overlays = new Map();
    for (const d of this.documents.all()) m.set(uriToPath(d.uri), d.getText());
    return m;
  }

  /** Texts for position conversion: open buffers first, then what the check read. */
  texts(facts?: { sources: Map<string, string> }): Texts {
    const open = this.overlays();
    return new Texts((p) => open.get(p) ?? facts?.sources.get(p) ?? this.readDisk(p));
  }

  private readDisk(p: string): string | undefined {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  }

  /** The graphs of every open document's last check (for files without models: the prelude, a library). */
  allGraphs(): CheckFacts["graphs"] {
    return [...this.snapshots.values()].flatMap((s) => s.facts.graphs);
  }

  /** The parsed program of an open document at its current version (parse only: fast). */
  program(uri: string): Program | null {
    const doc = this.documents.get(uri);
    if (!doc) return null;
    const hit = this.parsed.get(uri);
    if (hit && hit.version === doc.version) return hit.program;
    const program = parseProgram(uriToPath(uri), doc.getText(), this.overlays());
    this.parsed.set(uri, { version: doc.version, program });
    return program;
  }

  changed(uri: string): void {
    this.schedule(uri, this.opts.debounceMs, true);
  }

  closed(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.snapshots.delete(uri);
    this.parsed.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    this.settle(uri, null);
  }

  /** The check of the document's current version; waits for it (up to the check timeout). */
  snapshot(uri: string): Promise<Snapshot | null> {
    const doc = this.documents.get(uri);
    if (!doc) return Promise.resolve(null);
    const s = this.snapshots.get(uri);
    if (s && s.version === doc.version) return Promise.resolve(s);
    return new Promise((resolve) => {
      const list = this.waiters.get(uri) ?? [];
      const timer = setTimeout(
        () => resolve(null),
        this.opts.checkTimeoutMs + this.opts.debounceMs,
      );
      list.push({
        version: doc.version,
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
      });
      this.waiters.set(uri, list);
    });
  }

  private schedule(uri: string, delay: number, edited: boolean): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.check(uri, edited).catch((e) => this.logError(`checking ${uri}`, e));
      }, delay),
    );
  }

  private async check(uri: string, edited: boolean): Promise<void> {
    const doc = this.documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    const path = uriToPath(uri);
    const outcome = await this.runner.run(path, doc.getText(), this.overlays());
    const now = this.documents.get(uri);
    // A newer check is scheduled or queued.
    if (!now || now.version !== version || outcome.kind === "superseded") return;
    if (outcome.kind === "failed") this.connection.console.error(`resnetc lsp: ${outcome.error}`);
    const facts: CheckFacts =
      outcome.kind === "ok" ? outcome.facts : { diagnostics: [], sources: new Map(), graphs: [] };
    const snap = { version, facts };
    this.snapshots.set(uri, snap);
    const texts = this.texts(facts);
    // The file's AST only matters for problems in the files it uses (shown on its `use` lines).
    const foreign = facts.diagnostics.some((d) => d.span && d.span.file !== path);
    const ast = foreign ? this.safeAst(uri) : undefined;
    const diagnostics = lspDiagnostics(path, ast, facts.diagnostics, texts);
    if (outcome.kind === "stopped") diagnostics.push(stoppedDiagnostic(outcome.reason));
    await this.connection.sendDiagnostics({ uri, version, diagnostics });
    this.settle(uri, snap);
    if (edited) this.recheckDependents(path, uri);
  }

  private safeAst(uri: string) {
    try {
      return this.program(uri)?.files.get(uriToPath(uri));
    } catch {
      return undefined;
    }
  }

  private settle(uri: string, snap: Snapshot | null): void {
    const list = this.waiters.get(uri) ?? [];
    const keep = list.filter((w) => {
      if (snap && w.version > snap.version) return true;
      w.resolve(snap);
      return false;
    });
    if (keep.length) this.waiters.set(uri, keep);
    else this.waiters.delete(uri);
  }

  /** Open files whose last check read `path` are checked again. */
  private recheckDependents(path: string, except: string): void {
    for (const [uri, snap] of this.snapshots) {
      if (uri !== except && snap.facts.sources.has(path)) this.schedule(uri, 0, false);
    }
  }

  logError(what: string, e: unknown): void {
    const err = e as Error;
    this.connection.console.error(
      `resnetc lsp: internal error while ${what}: ${err?.message ?? String(e)}\n${err?.stack ?? ""}`,
    );
  }
}

/** Shown when a check ran past the time or memory limit (a typo like `n = 100000000`). */
function stoppedDiagnostic(reason: string) {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Warning,
    source: "resnetc",
    message: `checking stopped ${reason}: this spec is too large to check as you type; run \`resnetc check\` on it`,
  };
}
