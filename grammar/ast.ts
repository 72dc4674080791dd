// Typed AST of a .resnet file. Every node carries the span of source it came from, so that every
// later stage (checks, shape inference, summaries) can point back at the user's line.

export interface Span {
  file: string;
  /** 0-based offsets into the file's text, end exclusive. */
  start: number;
  end: number;
  /** 1-based line and column of the first character. */
  line: number;
  col: number;
}

export type Expr =
  | { kind: "num"; value: number; text: string; span: Span }
  | { kind: "var"; name: string; span: Span }
  | { kind: "neg"; operand: Expr; span: Span }
  /** `floor(x)`: the largest integer <= x (ResNeXt's width rule). */
  | { kind: "call"; name: "floor"; arg: Expr; span: Span }
  | { kind: "bin"; op: "+" | "-" | "*" | "/"; left: Expr; right: Expr; span: Span };

export type Item =
  | { kind: "expr"; expr: Expr; span: Span }
  | { kind: "dims"; dims: number[]; text: string; span: Span }
  | { kind: "string"; value: string; span: Span }
  | { kind: "list"; items: Expr[]; span: Span }
  | { kind: "range"; from: Expr; to: Expr; span: Span };

/** One comma-separated argument of a command: `stride 2` is two items. */
export interface Arg {
  items: Item[];
  span: Span;
}

/** `conv 3x3, 64, stride 2`, with an optional group label (`conv2: maxpool 3x3, stride 2`). */
export interface Command {
  kind: "command";
  name: string;
  nameSpan: Span;
  label: { name: string; span: Span } | null;
  args: Arg[];
  span: Span;
}

export interface Param {
  name: string;
  span: Span;
  default: Expr | null;
}

export interface BlockDecl {
  kind: "block";
  name: string;
  nameSpan: Span;
  params: Param[];
  body: Command[];
  span: Span;
}

export interface UseDecl {
  kind: "use";
  path: string;
  span: Span;
}

export interface CallArg {
  name: { name: string; span: Span } | null;
  value: Expr;
  span: Span;
}

export interface BlockRef {
  name: string;
  span: Span;
  args: CallArg[];
}

export interface Binding {
  kind: "binding";
  name: string;
  nameSpan: Span;
  value: Expr;
  span: Span;
}

export interface BlockBinding {
  kind: "blocks";
  block: BlockRef;
  counts: Expr[];
  countsSpan: Span;
  span: Span;
}

export interface Variant {
  key: string;
  keySpan: Span;
  bindings: (Binding | BlockBinding)[];
  span: Span;
}

export interface StagesOption {
  name: string;
  nameSpan: Span;
  values: Expr[];
  span: Span;
}

export type ModelStmt =
  | { kind: "input"; dims: number[]; dimsSpan: Span; span: Span }
  | { kind: "shortcut"; value: string; valueSpan: Span; span: Span }
  | { kind: "stem"; name: string | null; nameSpan: Span | null; layers: Command[]; span: Span }
  | { kind: "variants"; variants: Variant[]; span: Span }
  | {
      kind: "stages";
      from: { name: string; span: Span };
      to: { name: string; span: Span };
      blocks: BlockBinding | null;
      options: StagesOption[];
      span: Span;
    }
  | {
      kind: "stage";
      name: string;
      nameSpan: Span;
      block: BlockRef;
      count: Expr;
      shortcut: { value: string; span: Span } | null;
      options: Arg[];
      span: Span;
    }
  | { kind: "head"; layers: Command[]; span: Span }
  | { kind: "train"; settings: Command[]; span: Span }
  /** `drop_path 0.2` or `drop_path 0.2, linear`: stochastic depth on every block. */
  | { kind: "dropPath"; command: Command; span: Span }
  | { kind: "unknown"; name: string; nameSpan: Span; span: Span };

export interface ModelDecl {
  kind: "model";
  name: string;
  nameSpan: Span;
  parent: { name: string; span: Span } | null;
  statements: ModelStmt[];
  span: Span;
}

export interface Comment {
  text: string;
  span: Span;
}

export interface FileAst {
  path: string;
  uses: UseDecl[];
  blocks: BlockDecl[];
  models: ModelDecl[];
  /** Top-level declarations in source order (the formatter prints them in this order). */
  decls: (UseDecl | BlockDecl | ModelDecl)[];
  comments: Comment[];
}

function precedence(e: Expr): number {
  if (e.kind !== "bin") return 3;
  return e.op === "+" || e.op === "-" ? 1 : 2;
}

/**
 * Minimal parentheses: operators are left-associative, `*` and `/` bind tighter than `+` and `-`,
 * and negation tighter than both. Negation of a literal prints as a negative literal (`-1`).
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "num":
      return e.text;
    case "var":
      return e.name;
    case "neg": {
      const o = e.operand;
      if (o.kind === "bin" || (o.kind === "num" && o.text.startsWith("-"))) {
        return `-(${printExpr(o)})`;
      }
      return `-${printExpr(o)}`;
    }
    case "call":
      return `${e.name}(${printExpr(e.arg)})`;
    case "bin": {
      const p = precedence(e);
      const left = printExpr(e.left);
      const right = printExpr(e.right);
      const l = precedence(e.left) < p ? `(${left})` : left;
      const r = precedence(e.right) <= p ? `(${right})` : right;
      return `${l} ${e.op} ${r}`;
    }
  }
}
