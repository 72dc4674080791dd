// The VS Code extension: starts `resnetc lsp` (see server-path.js) as a language client for
// `*.resnet` files. Colouring comes from syntaxes/resnet.tmLanguage.json.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { serverCommand } = require("./server-path.js");

/** @type {LanguageClient | undefined} */
let client;

function activate(context) {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const configured = vscode.workspace.getConfiguration("resnetc").get("serverPath", "");
  // TransportKind.stdio appends --stdio: the server runs as `resnetc lsp --stdio`.
  const run = { ...serverCommand(folders, configured), transport: TransportKind.stdio };
  client = new LanguageClient(
    "resnetc",
    "resnetc language server",
    { run, debug: run },
    {
      documentSelector: [
        { scheme: "file", language: "resnet" },
        { scheme: "untitled", language: "resnet" },
      ],
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
