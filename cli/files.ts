// Spec file arguments: plain paths, directories (every .resnet below them) and globs such as
// examples/**/*.resnet when the shell did not expand them.
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UsageError } from "./errors.js";

export function expandSpecArgs(args: string[], cwd = process.cwd()): string[] {
  const files: string[] = [];
  for (const a of args) {
    if (/[*?]/.test(a)) {
      const matches = glob(a, cwd);
      if (matches.length === 0) throw new UsageError(`no file matches '${a}'`);
      files.push(...matches);
      continue;
    }
    let st;
    try {
      st = statSync(resolve(cwd, a));
    } catch {
      throw new UsageError(`cannot read '${a}': no such file or directory`);
    }
    if (st.isDirectory()) {
      const found = walk(resolve(cwd, a)).filter((f) => f.endsWith(".resnet"));
      if (found.length === 0) throw new UsageError(`no .resnet file in directory '${a}'`);
      files.push(...found.map((f) => relative(cwd, f) || f));
    } else files.push(a);
  }
  return [...new Set(files)];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((x, y) =>
    x.name.localeCompare(y.name),
  )) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function glob(pattern: string, cwd: string): string[] {
  const parts = pattern.split("/");
  const staticParts: string[] = [];
  while (parts.length && !/[*?]/.test(parts[0])) staticParts.push(parts.shift()!);
  const base = resolve(cwd, staticParts.join("/") || ".");
  const re = new RegExp(
    "^" +
      parts
        .map((p) =>
          p === "**"
            ? "(?:.*/)?"
            : p
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]") + "/",
        )
        .join("")
        .replace(/\/$/, "")
        .replace(/\(\?:\.\*\/\)\?$/, ".*") +
      "$",
  );
  let all: string[];
  try {
    all = walk(base);
  } catch {
    return [];
  }
  return all.filter((f) => re.test(relative(base, f))).map((f) => relative(cwd, f));
}
