// The VS Code extension as far as it can be tested without VS Code: its manifest (what vsce and
// VS Code read), which server it starts, and activate() wiring a language client to it (with the
// `vscode` and `vscode-languageclient` modules replaced by recording fakes).
import { existsSync, readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./client.js";

const EXT = resolve(ROOT, "editors/vscode");
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(EXT, "package.json"), "utf8"));
const { serverCommand } = require(join(EXT, "server-path.js")) as {
  serverCommand: (
    folders: string[],
    configured: string,
    exists?: (p: string) => boolean,
  ) => { module?: string; command?: string; args: string[] };
};

describe("editors/vscode/package.json", () => {
  it("has what vsce needs to package it", () => {
    for (const k of ["name", "displayName", "description", "version", "publisher", "license"])
      expect(typeof pkg[k], k).toBe("string");
    expect(pkg.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
    expect(existsSync(join(EXT, pkg.main))).toBe(true);
    for (const f of pkg.files) expect(existsSync(join(EXT, f)), f).toBe(true);
    expect(existsSync(join(EXT, "README.md"))).toBe(true);
  });

  it("contributes the resnet language for *.resnet with its grammar and configuration", () => {
    const [lang] = pkg.contributes.languages;
    expect(lang.id).toBe("resnet");
    expect(lang.extensions).toEqual([".resnet"]);
    expect(pkg.activationEvents).toEqual(["onLanguage:resnet"]);
    const conf = JSON.parse(readFileSync(join(EXT, lang.configuration), "utf8"));
    expect(conf.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(conf.brackets).toEqual([
      ["{", "}"],
      ["[", "]"],
      ["(", ")"],
    ]);
    const [g] = pkg.contributes.grammars;
    expect(g.language).toBe("resnet");
    const grammar = JSON.parse(readFileSync(join(EXT, g.path), "utf8"));
    expect(grammar.scopeName).toBe(g.scopeName);
    expect(pkg.contributes.configuration.properties["resnetc.serverPath"].type).toBe("string");
  });
});

describe("which resnetc the extension starts", () => {
  const only =
    (...paths: string[]) =>
    (p: string) =>
      paths.includes(p);

  it("prefers the workspace's node_modules/resnetc", () => {
    const local = "/w/node_modules/resnetc/bin/resnetc.js";
    expect(serverCommand(["/w"], "/opt/resnetc.js", only(local))).toEqual({
      module: local,
      args: ["lsp"],
    });
  });

  it("uses the resnetc repository itself when it is the workspace", () => {
    expect(serverCommand([ROOT], "")).toEqual({
      module: join(ROOT, "bin/resnetc.js"),
      args: ["lsp"],
    });
    // Another package's bin/resnetc.js is not taken for it.
    expect(serverCommand(["/w"], "", only("/w/bin/resnetc.js"))).toEqual({
      command: "resnetc",
      args: ["lsp"],
    });
  });

  it("else the configured path (a .js file runs with Node), else resnetc on the PATH", () => {
    expect(serverCommand(["/w"], "/opt/r/bin/resnetc.js", only())).toEqual({
      module: "/opt/r/bin/resnetc.js",
      args: ["lsp"],
    });
    expect(serverCommand(["/w"], "/usr/local/bin/resnetc", only())).toEqual({
      command: "/usr/local/bin/resnetc",
      args: ["lsp"],
    });
    expect(serverCommand([], "", only())).toEqual({ command: "resnetc", args: ["lsp"] });
  });
});

describe("activate()", () => {
  it("starts a language client for resnet documents on the chosen server, over stdio", async () => {
    const made: { id: string; server: unknown; client: unknown; started: boolean }[] = [];
    const fakes: Record<string, unknown> = {
      vscode: {
        workspace: {
          workspaceFolders: [{ uri: { fsPath: ROOT } }],
          getConfiguration: () => ({ get: (_k: string, d: string) => d }),
        },
      },
      "vscode-languageclient/node": {
        TransportKind: { stdio: 0 },
        LanguageClient: class {
          constructor(id: string, _name: string, server: unknown, client: unknown) {
            made.push({ id, server, client, started: false });
          }
          start() {
            made[made.length - 1].started = true;
            return Promise.resolve();
          }
          stop() {
            return Promise.resolve();
          }
        },
      },
    };
    const M = Module as unknown as { _load: (r: string, ...rest: unknown[]) => unknown };
    const load = M._load;
    M._load = (r: string, ...rest: unknown[]) => (r in fakes ? fakes[r] : load(r, ...rest));
    try {
      const ext = require(join(EXT, "extension.js")) as {
        activate: (c: { subscriptions: unknown[] }) => Promise<void>;
      };
      const ctx = { subscriptions: [] as unknown[] };
      await ext.activate(ctx);
      const run = { module: join(ROOT, "bin/resnetc.js"), args: ["lsp"], transport: 0 };
      expect(made).toEqual([
        {
          id: "resnetc",
          server: { run, debug: run },
          client: {
            documentSelector: [
              { scheme: "file", language: "resnet" },
              { scheme: "untitled", language: "resnet" },
            ],
          },
          started: true,
        },
      ]);
      expect(ctx.subscriptions.length).toBe(1);
    } finally {
      M._load = load;
    }
  });
});
