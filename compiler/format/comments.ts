// Where each comment of a .resnet file goes when the file is re-printed. The language is line
// based, so comments are placed by lines rather than attached to expression nodes:
//
// - A body (the file, or the `{ ... }` of a block, model, stem, head, train or variants) holds
//   a list of statements ("children"). A comment belongs to the innermost body around it.
// - After a statement on the same line: a trailing comment, printed after the statement.
// - On the line of a body's `{`, before any statement: a header comment, printed after `{`.
// - On a line of its own: a leading comment of the next statement, or, after the last one, a
//   dangling comment of the body, printed before its `}`.
// - Inside a statement's own text (between the arguments of a command that spans lines, in a
//   block's parameter list): an inner comment, printed on its own line above the statement.
// - Inside a statement that is printed as written (see `isVerbatim`): kept where it is.
import type * as A from "../../grammar/ast.js";
import { ResnetLexer, Shortcut, Times } from "../../grammar/tokens.js";

/** Anything that is printed on a line of its own inside a body. */
export type Child = A.UseDecl | A.BlockDecl | A.ModelDecl | A.ModelStmt | A.Command | A.Variant;

/** A `{ ... }` body: offsets of its braces and its statements in source order. */
export interface Body {
  open: number;
  close: number;
  children: Child[];
}

export interface Placement {
  /** Own-line comments before a child, then its inner comments, in source order. */
  leading: Map<Child, A.Comment[]>;
  /** The leading comments that came from inside the child's text. */
  inner: Set<A.Comment>;
  trailing: Map<Child, A.Comment[]>;
  /** Keyed by the body's owner (the child, or the FileAst for the file). */
  header: Map<object, A.Comment[]>;
  dangling: Map<object, A.Comment[]>;
  /** Comments inside a statement printed as written: they are printed with it. */
  consumed: Set<A.Comment>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function kindOf(c: Child): string {
  return "kind" in c ? c.kind : "variant";
}

export class Layout {
  readonly placement: Placement = {
    leading: new Map(),
    inner: new Set(),
    trailing: new Map(),
    header: new Map(),
    dangling: new Map(),
    consumed: new Set(),
  };
  private readonly commentEnd = new Map<number, number>();
  private readonly verbatim = new Map<Child, boolean>();
  readonly fileBody: Body;

  constructor(
    readonly ast: A.FileAst,
    readonly text: string,
  ) {
    const comments = [...ast.comments].sort((a, b) => a.span.start - b.span.start);
    for (const c of comments) this.commentEnd.set(c.span.start, c.span.end);
    this.fileBody = { open: -1, close: text.length, children: ast.decls };
    this.place(ast, this.fileBody, comments);
  }

  /**
   * Statements the printer cannot rebuild from the AST without losing text, printed exactly as
   * written: unknown statements (`foo 1, 2 { ... }`), and a `stage` with two `shortcut` options
   * or a `stages` with two block bindings (the AST keeps only one of them).
   */
  isVerbatim(c: Child): boolean {
    const k = kindOf(c);
    if (k === "unknown") return true;
    if (k !== "stage" && k !== "stages") return false;
    let v = this.verbatim.get(c);
    if (v === undefined) {
      const tokens = ResnetLexer.tokenize(this.text.slice(c.span.start, c.span.end)).tokens;
      const marker = k === "stage" ? Shortcut : Times;
      v = tokens.filter((t) => t.tokenType === marker).length > 1;
      this.verbatim.set(c, v);
    }
    return v;
  }

  /** The `{ ... }` body of a child, if it has one (and is not printed as written). */
  bodyOf(c: Child): Body | null {
    if (this.isVerbatim(c)) return null;
    switch (kindOf(c)) {
      case "block": {
        const b = c as A.BlockDecl;
        return this.body(b.nameSpan.end, b.span, b.body);
      }
      case "model": {
        const m = c as A.ModelDecl;
        return this.body((m.parent?.span ?? m.nameSpan).end, m.span, m.statements);
      }
      case "stem": {
        const s = c as Extract<A.ModelStmt, { kind: "stem" }>;
        return this.body(s.nameSpan?.end ?? s.span.start, s.span, s.layers);
      }
      case "head": {
        const s = c as Extract<A.ModelStmt, { kind: "head" }>;
        return this.body(s.span.start, s.span, s.layers);
      }
      case "train": {
        const s = c as Extract<A.ModelStmt, { kind: "train" }>;
        return this.body(s.span.start, s.span, s.settings);
      }
      case "variants": {
        const s = c as Extract<A.ModelStmt, { kind: "variants" }>;
        return this.body(s.span.start, s.span, s.variants);
      }
      default:
        return null;
    }
  }

  private body(from: number, span: A.Span, children: Child[]): Body {
    return { open: this.findBrace(from, span.end), close: span.end - 1, children };
  }

  /** The first `{` at or after `from` that is not inside a comment. */
  private findBrace(from: number, limit: number): number {
    let i = from;
    while (i < limit) {
      const end = this.commentEnd.get(i);
      if (end !== undefined) {
        i = end;
        continue;
      }
      if (this.text[i] === "{") return i;
      i++;
    }
    return from;
  }

  private hasNewline(from: number, to: number): boolean {
    return this.text.slice(from, to).includes("\n");
  }

  private place(owner: object, body: Body, comments: A.Comment[]): void {
    const p = this.placement;
    const nested = new Map<Child, A.Comment[]>();
    for (const c of comments) {
      const { start, end } = c.span;
      const inside = body.children.find((ch) => ch.span.start <= start && end <= ch.span.end);
      if (inside) {
        const b = this.bodyOf(inside);
        if (this.isVerbatim(inside)) p.consumed.add(c);
        else if (b && b.open < start && end <= b.close) push(nested, inside, c);
        else {
          p.inner.add(c);
          push(p.leading, inside, c);
        }
        continue;
      }
      let prev: Child | undefined;
      for (const ch of body.children) if (ch.span.end <= start) prev = ch;
      if (prev && !this.hasNewline(prev.span.end, start)) {
        push(p.trailing, prev, c);
      } else if (!prev && body.open >= 0 && !this.hasNewline(body.open + 1, start)) {
        push(p.header, owner, c);
      } else {
        const next = body.children.find((ch) => ch.span.start >= end);
        if (next) push(p.leading, next, c);
        else push(p.dangling, owner, c);
      }
    }
    for (const ch of body.children) {
      const b = this.bodyOf(ch);
      if (b) this.place(ch, b, nested.get(ch) ?? []);
    }
  }
}
