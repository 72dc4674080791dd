// Loading a spec with everything it uses: the file, its `use` imports (relative paths, cycles
// reported) and the standard prelude. The result is a Program: all ASTs plus name tables.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BlockDecl, FileAst, ModelDecl, Span } from "../grammar/ast.js";
import { error, type Diagnostic } from "../grammar/diagnostic.js";
import { parseSource } from "../grammar/parse.js";

export interface Program {
  entry: string;
  /** Parsed files by absolute path (the prelude included). */
  files: Map<string, FileAst>;
  sources: Map<string, string>;
  /** Block types visible to the entry file: the prelude's, then user files' (which may shadow them). */
  blocks: Map<string, BlockDecl>;
  /** Every model of every loaded user file, by name (for `extends`). */
  models: Map<string, ModelDecl>;
  /** The entry file's own models, in source order: what commands act on. */
  entryModels: ModelDecl[];
  preludePath: string;
  diagnostics: Diagnostic[];
  /** True when any file had a syntax error: later checks are skipped to avoid cascades. */
  syntaxErrors: boolean;
  /** An imported file could not be read: unknown block names are then not reported (RN003 explains them). */
  importFailed: boolean;
  /** The directory paths in messages are relative to. */
  cwd: string;
  /** User files in load order (a file after the files it uses). */
  order: string[];
  /** The first user definition of each block type (a later one is RN102). */
  firstBlocks: Map<string, BlockDecl>;
}

export function preludePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From sources (compiler/) and from the build (dist/compiler/).
  for (const p of [
    resolve(here, "../grammar/prelude.resnet"),
    resolve(here, "../../grammar/prelude.resnet"),
  ]) {
    if (existsSync(p)) return p;
  }
  throw new Error(`internal: prelude.resnet not found near ${here}`);
}

export interface LoadOptions {
  /** Source text of the entry file when it is not on disk (editor buffers, tests). */
  text?: string;
  /** Leave the prelude out (tests of the prelude itself). */
  noPrelude?: boolean;
  /** Paths in messages are relative to this directory (default: the entry file's). */
  cwd?: string;
  /** Reads a `use`-imported file (editors: open, unsaved buffers win over disk); default: from disk. */
  readFile?: (path: string) => string;
}

export function loadProgram(entryPath: string, opts: LoadOptions = {}): Program {
  const entry = resolve(entryPath);
  const prog: Program = {
    entry,
    files: new Map(),
    sources: new Map(),
    blocks: new Map(),
    models: new Map(),
    entryModels: [],
    preludePath: "",
    diagnostics: [],
    syntaxErrors: false,
    importFailed: false,
    cwd: opts.cwd ?? dirname(entry),
    order: [],
    firstBlocks: new Map(),
  };
  const preludeBlocks = new Set<string>();
  if (!opts.noPrelude) {
    prog.preludePath = preludePath();
    const p = parseFile(prog, prog.preludePath, readFileSync(prog.preludePath, "utf8"));
    for (const b of p.blocks) {
      prog.blocks.set(b.name, b);
      preludeBlocks.add(b.name);
    }
  }
  const order: FileAst[] = [];
  const visit = (path: string, text: string | null, from: Span | null, stack: string[]) => {
    if (stack.includes(path)) {
      const chain = [...stack.slice(stack.indexOf(path)), path]
        .map((p) => short(p, prog.cwd))
        .join(" -> ");
      prog.diagnostics.push(
        error(
          "RN004",
          `import cycle: ${chain}`,
          from,
          "a file cannot use itself, directly or through other files",
        ),
      );
      return;
    }
    if (prog.files.has(path)) return;
    if (text === null) {
      try {
        text = opts.readFile ? opts.readFile(path) : readFileSync(path, "utf8");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const reason =
          code === "ENOENT"
            ? "no such file"
            : code === "EISDIR"
              ? "it is a directory"
              : code === "EACCES"
                ? "permission denied"
                : String((e as Error).message);
        prog.importFailed = true;
        prog.diagnostics.push(
          error(
            "RN003",
            `cannot read imported file '${short(path, prog.cwd)}': ${reason}`,
            from,
            "paths in `use` are relative to the file that uses them",
          ),
        );
        return;
      }
    }
    const ast = parseFile(prog, path, text);
    for (const u of ast.uses) visit(resolve(dirname(path), u.path), null, u.span, [...stack, path]);
    order.push(ast);
  };
  visit(entry, opts.text ?? readFileSync(entry, "utf8"), null, []);

  // Name tables: user blocks shadow prelude blocks; the first of a name wins (the
  // duplicate-definitions rule reports the others).
  for (const ast of order) {
    prog.order.push(ast.path);
    for (const b of ast.blocks) {
      if (prog.firstBlocks.has(b.name)) continue;
      prog.firstBlocks.set(b.name, b);
      prog.blocks.set(b.name, b);
    }
    for (const m of ast.models) if (!prog.models.has(m.name)) prog.models.set(m.name, m);
  }
  // A model defined twice is checked once, as its first definition (the second is RN102).
  prog.entryModels = (prog.files.get(entry)?.models ?? []).filter(
    (m) => prog.models.get(m.name) === m,
  );
  return prog;
}

function parseFile(prog: Program, path: string, text: string): FileAst {
  prog.sources.set(path, text);
  const { ast, diagnostics } = parseSource(path, text);
  if (diagnostics.length > 0) prog.syntaxErrors = true;
  prog.diagnostics.push(...diagnostics);
  prog.files.set(path, ast);
  return ast;
}

function short(path: string, cwd: string): string {
  return path.startsWith(cwd + "/") ? path.slice(cwd.length + 1) : path;
}

/** "file:line:col", the file relative to `cwd` when it lies below it. */
export function where(span: Span, cwd: string): string {
  return `${short(span.file, cwd)}:${span.line}:${span.col}`;
}
