// Which `resnetc` the extension starts: the workspace's own (node_modules/resnetc, or the resnetc
// repository itself), else the path in the `resnetc.serverPath` setting, else `resnetc` on PATH.
// Plain CommonJS with no VS Code import, so that it is tested as a unit.
"use strict";
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

/**
 * @param {string[]} folders workspace folder paths
 * @param {string} configured the resnetc.serverPath setting ("" when unset)
 * @param {(p: string) => boolean} [exists]
 * @returns {{ module: string, args: string[] } | { command: string, args: string[] }}
 *   a .js file is forked with VS Code's Node (a `module` server), anything else run as a command
 */
function serverCommand(folders, configured, exists = existsSync) {
  for (const f of folders) {
    const local = join(f, "node_modules", "resnetc", "bin", "resnetc.js");
    if (exists(local)) return { module: local, args: ["lsp"] };
    const own = join(f, "bin", "resnetc.js");
    if (exists(own) && isResnetcPackage(join(f, "package.json"), exists))
      return { module: own, args: ["lsp"] };
  }
  if (configured) {
    if (configured.endsWith(".js")) return { module: configured, args: ["lsp"] };
    return { command: configured, args: ["lsp"] };
  }
  return { command: "resnetc", args: ["lsp"] };
}

function isResnetcPackage(pkgPath, exists) {
  if (!exists(pkgPath)) return false;
  try {
    return JSON.parse(readFileSync(pkgPath, "utf8")).name === "resnetc";
  } catch {
    return false;
  }
}

module.exports = { serverCommand };
