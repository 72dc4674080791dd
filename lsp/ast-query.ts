// Questions about a parsed file: which block references it holds, what is under the cursor.
import { dirname, resolve } from "node:path";
import type {
  BlockDecl,
  BlockRef,
  Command,
  FileAst,
  ModelDecl,
  ModelStmt,
  Span,
  UseDecl,
} from "../grammar/ast.js";

/** Every use of a block type in the file (stages, stage, variant bindings). */
export function blockRefs(ast: FileAst): BlockRef[] {
  const out: BlockRef[] = [];
  for (const m of ast.models)
    for (const s of m.statements) {
      if (s.kind === "stages" && s.blocks) out.push(s.blocks.block);
      if (s.kind === "stage") out.push(s.block);
      if (s.kind === "variants")
        for (const v of s.variants)
          for (const b of v.bindings) if (b.kind === "blocks") out.push(b.block);
    }
  return out;
}

const inside = (s: Span, offset: number) => s.start <= offset && offset <= s.end;

export type Target =
  | { kind: "blockName"; name: string; span: Span }
  | { kind: "use"; decl: UseDecl; target: string }
  | { kind: "extends"; name: string; span: Span }
  | { kind: "shortcut"; value: string; span: Span }
  | { kind: "variant"; model: ModelDecl; key: string; span: Span }
  | { kind: "stages"; model: ModelDecl; stmt: ModelStmt }
  | { kind: "layer"; model: ModelDecl; cmd: Command }
  | { kind: "blockLayer"; block: BlockDecl; cmd: Command }
  | null;

/** What the cursor is on, most specific first. */
export function targetAt(ast: FileAst, offset: number): Target {
  for (const r of blockRefs(ast))
    if (inside(r.span, offset)) return { kind: "blockName", name: r.name, span: r.span };
  for (const b of ast.blocks) {
    if (inside(b.nameSpan, offset)) return { kind: "blockName", name: b.name, span: b.nameSpan };
    for (const c of b.body)
      if (inside(c.span, offset)) return { kind: "blockLayer", block: b, cmd: c };
  }
  for (const u of ast.uses)
    if (inside(u.span, offset))
      return { kind: "use", decl: u, target: resolve(dirname(ast.path), u.path) };
  for (const m of ast.models) {
    if (m.parent && inside(m.parent.span, offset))
      return { kind: "extends", name: m.parent.name, span: m.parent.span };
    if (!inside(m.span, offset)) continue;
    for (const s of m.statements) {
      if (!inside(s.span, offset)) continue;
      const t = statementTarget(m, s, offset);
      if (t) return t;
    }
  }
  return null;
}

function statementTarget(m: ModelDecl, s: ModelStmt, offset: number): Target {
  switch (s.kind) {
    case "shortcut":
      return { kind: "shortcut", value: s.value, span: s.valueSpan };
    case "stage":
      if (s.shortcut && inside(s.shortcut.span, offset))
        return { kind: "shortcut", value: s.shortcut.value, span: s.shortcut.span };
      return { kind: "stages", model: m, stmt: s };
    case "stages":
      for (const o of s.options)
        if (o.name === "shortcuts")
          for (const v of o.values)
            if (v.kind === "var" && inside(v.span, offset))
              return { kind: "shortcut", value: v.name, span: v.span };
      return { kind: "stages", model: m, stmt: s };
    case "variants":
      for (const v of s.variants)
        if (inside(v.span, offset)) return { kind: "variant", model: m, key: v.key, span: v.span };
      return null;
    case "stem":
    case "head":
      for (const c of s.layers)
        if (inside(c.span, offset)) return { kind: "layer", model: m, cmd: c };
      return null;
    default:
      return null;
  }
}
