// Go to definition, find references and rename, for block types (into the prelude too), `use`
// paths and `extends` parents. References and renames look at every open document and every
// .resnet file under the workspace folders, and keep only the uses that resolve to the same block.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Location, TextEdit, WorkspaceEdit } from "vscode-languageserver";
import type { BlockDecl, Span } from "../grammar/ast.js";
import { parseProgram, type Overlays, type Program } from "./compiler-adapter.js";
import { blockRefs, targetAt } from "./ast-query.js";
import { pathToUri, type Texts } from "./text.js";

export function definition(
  program: Program,
  path: string,
  offset: number,
  texts: Texts,
): Location | null {
  const ast = program.files.get(path);
  const t = ast && targetAt(ast, offset);
  if (!t) return null;
  const at = (span: Span): Location => ({ uri: pathToUri(span.file), range: texts.range(span) });
  if (t.kind === "blockName") {
    const b = program.blocks.get(t.name);
    return b ? at(b.nameSpan) : null;
  }
  if (t.kind === "extends") {
    const m = program.models.get(t.name);
    return m ? at(m.nameSpan) : null;
  }
  if (t.kind === "use") return at({ file: t.target, start: 0, end: 0, line: 1, col: 1 });
  return null;
}

/** The block declaration under the cursor (a use or the declaration itself). */
export function blockAt(program: Program, path: string, offset: number): BlockDecl | null {
  const ast = program.files.get(path);
  const t = ast && targetAt(ast, offset);
  if (!t || t.kind !== "blockName") return null;
  return program.blocks.get(t.name) ?? null;
}

const sameDecl = (a: BlockDecl | undefined, b: BlockDecl) =>
  !!a && a.nameSpan.file === b.nameSpan.file && a.nameSpan.start === b.nameSpan.start;

/** Every span naming this block type: its declaration and its uses in the candidate files. */
export function blockOccurrences(
  decl: BlockDecl,
  candidates: string[],
  overlays: Overlays,
): Span[] {
  const seen = new Set<string>();
  const out: Span[] = [decl.nameSpan];
  seen.add(`${decl.nameSpan.file}:${decl.nameSpan.start}`);
  for (const file of candidates) {
    let program: Program;
    try {
      program = parseProgram(file, overlays.get(file), overlays);
    } catch {
      continue;
    }
    if (!sameDecl(program.blocks.get(decl.name), decl)) continue;
    const ast = program.files.get(file);
    for (const r of ast ? blockRefs(ast) : []) {
      const key = `${r.span.file}:${r.span.start}`;
      if (r.name !== decl.name || seen.has(key)) continue;
      seen.add(key);
      out.push(r.span);
    }
  }
  return out;
}

export function renameEdit(spans: Span[], newName: string, texts: Texts): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  for (const s of spans) {
    const uri = pathToUri(s.file);
    (changes[uri] ??= []).push({ range: texts.range(s), newText: newName });
  }
  return { changes };
}

const KEYWORDS = new Set(
  "model block use extends input shortcut stem variants stages stage head train x".split(" "),
);

/** Why a new block name is not allowed, or null. */
export function badName(name: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return `'${name}' is not a name: letters, digits and _, not starting with a digit`;
  if (KEYWORDS.has(name)) return `'${name}' is a keyword`;
  return null;
}

/** .resnet files under the folders (node_modules, dist and dot-folders left out), at most `limit`. */
export function workspaceFiles(roots: string[], limit = 2000): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (out.length >= limit || depth > 12) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "dist") continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith(".resnet") && out.length < limit) out.push(p);
    }
  };
  for (const r of roots) walk(r, 0);
  return out;
}
