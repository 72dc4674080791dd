// A language client for the specs: starts the real `resnetc lsp` (bin/resnetc.js, from dist/) and
// talks JSON-RPC over its stdin/stdout with vscode-jsonrpc, as an editor does.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node.js";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface LspDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: number;
  code?: string;
  source?: string;
  message: string;
}

export interface Published {
  uri: string;
  version?: number;
  diagnostics: LspDiagnostic[];
}

export const uriOf = (path: string) => pathToFileURL(resolve(ROOT, path)).href;
export const read = (path: string) => readFileSync(resolve(ROOT, path), "utf8");

export class Client {
  readonly proc: ChildProcess;
  readonly rpc: MessageConnection;
  readonly published: Published[] = [];
  /** window/logMessage of type Error (1): internal errors the server logged. */
  readonly errors: string[] = [];
  private listeners: (() => void)[] = [];
  private versions = new Map<string, number>();

  constructor(
    initOptions: Record<string, unknown> = {},
    private readonly capabilities: object = {},
  ) {
    this.proc = spawn(process.execPath, [resolve(ROOT, "bin/resnetc.js"), "lsp", "--stdio"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.rpc = createMessageConnection(
      new StreamMessageReader(this.proc.stdout!),
      new StreamMessageWriter(this.proc.stdin!),
    );
    this.rpc.onNotification("textDocument/publishDiagnostics", (p: Published) => {
      this.published.push(p);
      this.listeners.forEach((l) => l());
    });
    this.rpc.onNotification("window/logMessage", (p: { type: number; message: string }) => {
      if (p.type === 1) this.errors.push(p.message);
    });
    this.rpc.listen();
    this.init = initOptions;
  }

  private init: Record<string, unknown>;

  async initialize(): Promise<{ capabilities: Record<string, unknown> }> {
    const r = await this.rpc.sendRequest<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(ROOT).href,
      workspaceFolders: [{ uri: pathToFileURL(resolve(ROOT, "examples")).href, name: "examples" }],
      capabilities: this.capabilities,
      initializationOptions: this.init,
    });
    await this.rpc.sendNotification("initialized", {});
    return r;
  }

  open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    return this.rpc.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "resnet", version: 1, text },
    });
  }

  /** Sends changes (full text, or ranged edits) and returns the new version. */
  change(uri: string, changes: object[]): number {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    void this.rpc.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: v },
      contentChanges: changes,
    });
    return v;
  }

  close(uri: string): Promise<void> {
    return this.rpc.sendNotification("textDocument/didClose", { textDocument: { uri } });
  }

  /** The first diagnostics published for the uri (at `version` if given) after this call's start count. */
  diagnostics(uri: string, version?: number, from = 0): Promise<Published> {
    return new Promise((res) => {
      const check = () => {
        const hit = this.published
          .slice(from)
          .find((p) => p.uri === uri && (version === undefined || p.version === version));
        if (hit) {
          this.listeners = this.listeners.filter((l) => l !== check);
          res(hit);
        }
      };
      this.listeners.push(check);
      check();
    });
  }

  request<R>(method: string, params: object): Promise<R> {
    return this.rpc.sendRequest<R>(method, params);
  }

  async stop(): Promise<void> {
    try {
      await this.rpc.sendRequest("shutdown");
      await this.rpc.sendNotification("exit");
    } catch {
      // already gone
    }
    this.rpc.dispose();
    await new Promise<void>((res) => {
      if (this.proc.exitCode !== null) return res();
      const t = setTimeout(() => {
        this.proc.kill();
        res();
      }, 3000);
      this.proc.on("exit", () => {
        clearTimeout(t);
        res();
      });
    });
  }
}
