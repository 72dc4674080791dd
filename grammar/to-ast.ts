// CST -> typed AST. Tolerates the partial trees that error recovery leaves behind: a node whose
// required pieces are missing is dropped (its syntax error has already been reported).
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import type * as C from "./cst.js";
import { error, type Diagnostic } from "./diagnostic.js";

// Typed access to the CST (grammar/cst.ts, generated from the parser): a key that the node's
// rule does not have is a type error, and each child comes with its node type.
type Kids<N extends CstNode> = N["children"];
type Elem<T> = T extends (infer E)[] ? E : never;
type NodeKey<N extends CstNode> = {
  [K in keyof Kids<N>]-?: Elem<NonNullable<Kids<N>[K]>> extends IToken ? never : K;
}[keyof Kids<N>];
type TokenKey<N extends CstNode> = {
  [K in keyof Kids<N>]-?: Elem<NonNullable<Kids<N>[K]>> extends IToken ? K : never;
}[keyof Kids<N>];

function nodes<N extends CstNode, K extends NodeKey<N>>(
  n: N,
  key: K,
): Elem<NonNullable<Kids<N>[K]>>[] {
  return ((n.children as Record<PropertyKey, unknown>)[key] ?? []) as Elem<
    NonNullable<Kids<N>[K]>
  >[];
}
function node<N extends CstNode, K extends NodeKey<N>>(
  n: N,
  key: K,
): Elem<NonNullable<Kids<N>[K]>> | undefined {
  return nodes(n, key)[0];
}
function toks<N extends CstNode>(n: N, key: TokenKey<N>): IToken[] {
  const list = ((n.children as Record<PropertyKey, unknown>)[key] ?? []) as IToken[];
  return list.filter((t) => !t.isInsertedInRecovery);
}
function tok<N extends CstNode>(n: N, key: TokenKey<N>): IToken | undefined {
  return toks(n, key)[0];
}

export class AstBuilder {
  /** Syntax problems found while building (lines that start with no name). */
  readonly problems: Diagnostic[] = [];

  constructor(
    private readonly path: string,
    private readonly text: string,
  ) {}

  tokenSpan(t: IToken): A.Span {
    return {
      file: this.path,
      start: t.startOffset,
      end: (t.endOffset ?? t.startOffset) + 1,
      line: t.startLine ?? 1,
      col: t.startColumn ?? 1,
    };
  }

  nodeSpan(n: CstNode): A.Span {
    const loc = n.location;
    if (!loc || Number.isNaN(loc.startOffset)) return this.emptySpan();
    return {
      file: this.path,
      start: loc.startOffset,
      end: (Number.isNaN(loc.endOffset ?? NaN) ? loc.startOffset : loc.endOffset!) + 1,
      line: loc.startLine ?? 1,
      col: loc.startColumn ?? 1,
    };
  }

  private emptySpan(): A.Span {
    return { file: this.path, start: 0, end: 0, line: 1, col: 1 };
  }

  private join(a: A.Span, b: A.Span): A.Span {
    return { ...a, end: Math.max(a.end, b.end) };
  }

  file(cst: C.FileCstNode, comments: IToken[]): A.FileAst {
    const ast: A.FileAst = {
      path: this.path,
      uses: [],
      blocks: [],
      models: [],
      decls: [],
      comments: comments.map((t) => ({ text: t.image, span: this.tokenSpan(t) })),
    };
    // Keep declarations in source order.
    const all: { offset: number; decl: A.UseDecl | A.BlockDecl | A.ModelDecl }[] = [];
    for (const u of nodes(cst, "useDecl")) {
      const d = this.useDecl(u);
      if (d) all.push({ offset: d.span.start, decl: d });
    }
    for (const b of nodes(cst, "blockDecl")) {
      const d = this.blockDecl(b);
      if (d) all.push({ offset: d.span.start, decl: d });
    }
    for (const m of nodes(cst, "modelDecl")) {
      const d = this.modelDecl(m);
      if (d) all.push({ offset: d.span.start, decl: d });
    }
    all.sort((a, b) => a.offset - b.offset);
    for (const { decl } of all) {
      ast.decls.push(decl);
      if (decl.kind === "use") ast.uses.push(decl);
      else if (decl.kind === "block") ast.blocks.push(decl);
      else ast.models.push(decl);
    }
    return ast;
  }

  useDecl(n: C.UseDeclCstNode): A.UseDecl | null {
    const s = tok(n, "StringLit");
    if (!s) return null;
    return { kind: "use", path: unquote(s.image), span: this.nodeSpan(n) };
  }

  blockDecl(n: C.BlockDeclCstNode): A.BlockDecl | null {
    const name = tok(n, "Identifier");
    const body = node(n, "layerBody");
    if (!name || !body) return null;
    const params: A.Param[] = [];
    for (const p of nodes(n, "param")) {
      const id = tok(p, "Identifier");
      if (!id) continue;
      const e = node(p, "expression");
      params.push({ name: id.image, span: this.tokenSpan(id), default: e ? this.expr(e) : null });
    }
    return {
      kind: "block",
      name: name.image,
      nameSpan: this.tokenSpan(name),
      params,
      body: this.layerBody(body),
      span: this.nodeSpan(n),
    };
  }

  /** A line that starts with no name: one RN002 at its first token. */
  private junk(n: C.JunkCstNode, expected: string) {
    const first = allTokens(n).sort((a, b) => a.startOffset - b.startOffset)[0];
    const span = first ? this.tokenSpan(first) : this.nodeSpan(n);
    const what = first ? `'${first.image}'` : "text";
    let i = span.start - 1;
    while (i >= 0 && (this.text[i] === " " || this.text[i] === "\t")) i--;
    const startsLine = i < 0 || "\n;{".includes(this.text[i]);
    if (startsLine) {
      this.problems.push(
        error(
          "RN002",
          `unexpected ${what}: expected ${expected}`,
          span,
          first && /^-?\d/.test(first.image)
            ? "a statement starts with a name; is this number part of the line above?"
            : undefined,
        ),
      );
    } else {
      const size = first?.image === "x" && /\d[ \t]+$/.test(this.text.slice(0, span.start));
      this.problems.push(
        error(
          "RN002",
          `unexpected ${what} at the end of the statement`,
          span,
          size
            ? "write sizes without spaces, e.g. 3x3 or 224x224x3"
            : "one statement per line; remove it, or separate statements with ';'",
        ),
      );
    }
  }

  layerBody(n: C.LayerBodyCstNode): A.Command[] {
    for (const j of nodes(n, "junk")) this.junk(j, "a layer or setting name, or '}'");
    return nodes(n, "command")
      .map((c) => this.command(c))
      .filter((c): c is A.Command => c !== null);
  }

  command(n: C.CommandCstNode): A.Command | null {
    const name = tok(n, "name");
    if (!name) return null;
    const label = tok(n, "label");
    const argsNode = node(n, "args");
    const args = argsNode
      ? nodes(argsNode, "arg")
          .map((a) => this.arg(a))
          .filter((a): a is A.Arg => a !== null)
      : [];
    return {
      kind: "command",
      name: name.image,
      nameSpan: this.tokenSpan(name),
      label: label ? { name: label.image, span: this.tokenSpan(label) } : null,
      args,
      span: this.nodeSpan(n),
    };
  }

  arg(n: C.ArgCstNode): A.Arg | null {
    const items = nodes(n, "item")
      .map((i) => this.item(i))
      .filter((i): i is A.Item => i !== null);
    if (items.length === 0) return null;
    return { items, span: this.nodeSpan(n) };
  }

  item(n: C.ItemCstNode): A.Item | null {
    const span = this.nodeSpan(n);
    const dims = tok(n, "Dims");
    if (dims) return { kind: "dims", dims: parseDims(dims.image), text: dims.image, span };
    const s = tok(n, "StringLit");
    if (s) return { kind: "string", value: unquote(s.image), span };
    const l = node(n, "list");
    if (l) return { kind: "list", items: this.list(l), span };
    const es = nodes(n, "expression").map((e) => this.expr(e));
    if (es.length === 0 || es.some((e) => e === null)) return null;
    if (es.length === 2) return { kind: "range", from: es[0]!, to: es[1]!, span };
    return { kind: "expr", expr: es[0]!, span };
  }

  list(n: C.ListCstNode): A.Expr[] {
    return nodes(n, "expression")
      .map((e) => this.expr(e))
      .filter((e): e is A.Expr => e !== null);
  }

  expr(n: C.ExpressionCstNode): A.Expr | null {
    const ops = [...toks(n, "Plus"), ...toks(n, "Minus")];
    return this.chain(node(n, "lhs"), nodes(n, "rhs"), ops, (t) => this.term(t));
  }

  private term(n: C.TermCstNode): A.Expr | null {
    const ops = [...toks(n, "Star"), ...toks(n, "Slash")];
    return this.chain(node(n, "lhs"), nodes(n, "rhs"), ops, (f) => this.factor(f));
  }

  /** Left-associative chains: operands are `lhs` then `rhs`s, operators interleave by offset. */
  private chain<T>(
    lhs: T | undefined,
    rhs: T[],
    operators: IToken[],
    sub: (n: T) => A.Expr | null,
  ): A.Expr | null {
    if (!lhs) return null;
    let acc = sub(lhs);
    const ops = operators.sort((a, b) => a.startOffset - b.startOffset);
    for (let i = 0; i < rhs.length && acc; i++) {
      const r = sub(rhs[i]!);
      const op = ops[i];
      if (!r || !op) return null;
      acc = {
        kind: "bin",
        op: op.image as "+" | "-" | "*" | "/",
        left: acc,
        right: r,
        span: this.join(acc.span, r.span),
      };
    }
    return acc;
  }

  private factor(n: C.FactorCstNode): A.Expr | null {
    const span = this.nodeSpan(n);
    const num = tok(n, "Integer") ?? tok(n, "Float") ?? tok(n, "NegNumber");
    if (num) return { kind: "num", value: Number(num.image), text: num.image, span };
    const fn = tok(n, "fn");
    const fnArg = node(n, "fnArg");
    if (fn && fnArg) {
      const arg = this.expr(fnArg);
      return arg ? { kind: "call", name: fn.image as "floor", arg, span } : null;
    }
    const id = tok(n, "Identifier");
    if (id) return { kind: "var", name: id.image, span };
    const neg = node(n, "negated");
    if (neg) {
      const operand = this.factor(neg);
      return operand ? { kind: "neg", operand, span } : null;
    }
    const inner = node(n, "expression");
    const e = inner ? this.expr(inner) : null;
    // `(a + b)`: the span includes the parentheses.
    return e ? { ...e, span } : null;
  }

  modelDecl(n: C.ModelDeclCstNode): A.ModelDecl | null {
    const name = tok(n, "name");
    if (!name) return null;
    const parent = tok(n, "parent");
    const statements: A.ModelStmt[] = [];
    for (const s of nodes(n, "modelStmt")) {
      const stmt = this.modelStmt(s);
      if (stmt) statements.push(stmt);
    }
    return {
      kind: "model",
      name: name.image,
      nameSpan: this.tokenSpan(name),
      parent: parent ? { name: parent.image, span: this.tokenSpan(parent) } : null,
      statements,
      span: this.nodeSpan(n),
    };
  }

  modelStmt(wrapper: C.ModelStmtCstNode): A.ModelStmt | null {
    const c = wrapper.children;
    const junk = c.junk?.[0];
    if (junk) {
      this.junk(
        junk,
        "a model statement: input, shortcut, stem, variants, stages, stage, head or train",
      );
      return null;
    }
    const st = (Object.values(c) as CstNode[][]).find((l) => l?.length)?.[0];
    if (!st) return null;
    const span = this.nodeSpan(st);
    switch (st.name) {
      case "inputStmt": {
        const n = st as C.InputStmtCstNode;
        const d = tok(n, "Dims");
        if (!d) return null;
        return { kind: "input", dims: parseDims(d.image), dimsSpan: this.tokenSpan(d), span };
      }
      case "shortcutStmt": {
        const n = st as C.ShortcutStmtCstNode;
        const v = tok(n, "Identifier") ?? tok(n, "Times");
        if (!v) return null;
        return { kind: "shortcut", value: v.image, valueSpan: this.tokenSpan(v), span };
      }
      case "stemStmt": {
        const n = st as C.StemStmtCstNode;
        const id = tok(n, "Identifier");
        const body = node(n, "layerBody");
        if (!body) return null;
        return {
          kind: "stem",
          name: id ? id.image : null,
          nameSpan: id ? this.tokenSpan(id) : null,
          layers: this.layerBody(body),
          span,
        };
      }
      case "headStmt": {
        const n = st as C.HeadStmtCstNode;
        const body = node(n, "layerBody");
        return body ? { kind: "head", layers: this.layerBody(body), span } : null;
      }
      case "trainStmt": {
        const n = st as C.TrainStmtCstNode;
        const body = node(n, "layerBody");
        return body ? { kind: "train", settings: this.layerBody(body), span } : null;
      }
      case "variantsStmt": {
        const n = st as C.VariantsStmtCstNode;
        return {
          kind: "variants",
          variants: nodes(n, "variantEntry")
            .map((v) => this.variant(v))
            .filter((v): v is A.Variant => v !== null),
          span,
        };
      }
      case "stagesStmt": {
        const n = st as C.StagesStmtCstNode;
        return this.stages(n);
      }
      case "stageStmt": {
        const n = st as C.StageStmtCstNode;
        return this.stage(n);
      }
      case "unknownStmt": {
        const n = st as C.UnknownStmtCstNode;
        const c = node(n, "command");
        const cmd = c ? this.command(c) : null;
        if (cmd?.name === "drop_path" && !cmd.label && !node(n, "layerBody"))
          return { kind: "dropPath", command: cmd, span };
        return cmd ? { kind: "unknown", name: cmd.name, nameSpan: cmd.nameSpan, span } : null;
      }
    }
    return null;
  }

  variant(n: C.VariantEntryCstNode): A.Variant | null {
    const key = tok(n, "key");
    if (!key) return null;
    const bindings: (A.Binding | A.BlockBinding)[] = [];
    for (const b of nodes(n, "binding")) {
      const id = tok(b, "Identifier");
      if (!id) continue;
      const e = node(b, "expression");
      const l = node(b, "list");
      if (e) {
        const value = this.expr(e);
        if (value)
          bindings.push({
            kind: "binding",
            name: id.image,
            nameSpan: this.tokenSpan(id),
            value,
            span: this.nodeSpan(b),
          });
      } else if (l) {
        bindings.push({
          kind: "blocks",
          block: { name: id.image, span: this.tokenSpan(id), args: [] },
          counts: this.list(l),
          countsSpan: this.nodeSpan(l),
          span: this.nodeSpan(b),
        });
      }
    }
    return { key: key.image, keySpan: this.tokenSpan(key), bindings, span: this.nodeSpan(n) };
  }

  private callArgs(n: C.CallArgsCstNode | undefined): A.CallArg[] {
    if (!n) return [];
    const out: A.CallArg[] = [];
    for (const a of nodes(n, "callArg")) {
      const id = tok(a, "Identifier");
      const e = node(a, "expression");
      const value = e ? this.expr(e) : null;
      if (!value) continue;
      out.push({
        name: id ? { name: id.image, span: this.tokenSpan(id) } : null,
        value,
        span: this.nodeSpan(a),
      });
    }
    return out;
  }

  stages(n: C.StagesStmtCstNode): A.ModelStmt | null {
    const from = tok(n, "from");
    const to = tok(n, "to");
    if (!from || !to) return null;
    let blocks: A.BlockBinding | null = null;
    const options: A.StagesOption[] = [];
    for (const it of nodes(n, "stagesItem")) {
      const id = tok(it, "Identifier");
      if (!id) continue;
      const values = node(it, "values");
      if (values) {
        options.push({
          name: id.image,
          nameSpan: this.tokenSpan(id),
          values: this.list(values),
          span: this.nodeSpan(it),
        });
        continue;
      }
      const l = node(it, "list");
      if (!l) continue;
      blocks = {
        kind: "blocks",
        block: {
          name: id.image,
          span: this.tokenSpan(id),
          args: this.callArgs(node(it, "callArgs")),
        },
        counts: this.list(l),
        countsSpan: this.nodeSpan(l),
        span: this.nodeSpan(it),
      };
    }
    return {
      kind: "stages",
      from: { name: from.image, span: this.tokenSpan(from) },
      to: { name: to.image, span: this.tokenSpan(to) },
      blocks,
      options,
      span: this.nodeSpan(n),
    };
  }

  stage(n: C.StageStmtCstNode): A.ModelStmt | null {
    const name = tok(n, "name");
    const block = tok(n, "block");
    const countNode = node(n, "count");
    const count = countNode ? this.expr(countNode) : null;
    if (!name || !block || !count) return null;
    const sv = tok(n, "shortcutValue");
    return {
      kind: "stage",
      name: name.image,
      nameSpan: this.tokenSpan(name),
      block: {
        name: block.image,
        span: this.tokenSpan(block),
        args: this.callArgs(node(n, "callArgs")),
      },
      count,
      shortcut: sv ? { value: sv.image, span: this.tokenSpan(sv) } : null,
      options: nodes(n, "arg")
        .map((a) => this.arg(a))
        .filter((a): a is A.Arg => a !== null),
      span: this.nodeSpan(n),
    };
  }
}

function allTokens(n: CstNode): IToken[] {
  return Object.values(n.children as Record<string, CstElement[]>)
    .flat()
    .flatMap((e) => ("image" in (e as IToken) ? [e as IToken] : allTokens(e as CstNode)))
    .filter((t) => !t.isInsertedInRecovery);
}

function unquote(s: string): string {
  return JSON.parse(s) as string;
}

function parseDims(s: string): number[] {
  return s.split("x").map(Number);
}
