// FileAst -> Prettier doc, in the house style of grammar/prelude.resnet: 2-space indent, one
// statement per line, `, ` between arguments, spaces around binary operators, a blank line
// between top-level declarations, single blank lines inside bodies kept where the user had one.
// Statements are printed on one line each, whatever their length (nothing breaks at printWidth).
import { doc } from "prettier";
import { printExpr } from "../../grammar/ast.js";
import type * as A from "../../grammar/ast.js";
import { Layout, type Body, type Child } from "./comments.js";

type Doc = doc.builders.Doc;
const { hardline, literalline, indent, join } = doc.builders;

// ---- expressions and arguments -------------------------------------------------------------

function printList(items: A.Expr[]): string {
  return `[${items.map(printExpr).join(", ")}]`;
}

function printItem(i: A.Item): string {
  switch (i.kind) {
    case "expr":
      return printExpr(i.expr);
    case "dims":
      return i.text;
    case "string":
      return JSON.stringify(i.value);
    case "list":
      return printList(i.items);
    case "range":
      return `${printExpr(i.from)}..${printExpr(i.to)}`;
  }
}

function printArg(a: A.Arg): string {
  return a.items.map(printItem).join(" ");
}

export function printCommand(c: A.Command): string {
  const label = c.label ? `${c.label.name}: ` : "";
  const args = c.args.length > 0 ? ` ${c.args.map(printArg).join(", ")}` : "";
  return `${label}${c.name}${args}`;
}

function printBlockRef(b: A.BlockRef): string {
  if (b.args.length === 0) return b.name;
  const args = b.args.map((a) => (a.name ? `${a.name.name} = ` : "") + printExpr(a.value));
  return `${b.name}(${args.join(", ")})`;
}

function printBinding(b: A.Binding | A.BlockBinding): string {
  if (b.kind === "binding") return `${b.name} = ${printExpr(b.value)}`;
  return `${printBlockRef(b.block)} x ${printList(b.counts)}`;
}

// ---- statements, bodies and comments --------------------------------------------------------

/** Text with line breaks, printed as is (continuation lines keep their own indentation). */
function verbatim(text: string): Doc {
  return text.includes("\n") ? join(literalline, text.split("\n")) : text;
}

function printComment(c: A.Comment): Doc {
  return c.text.startsWith("//") ? c.text.trimEnd() : verbatim(c.text);
}

type Entry =
  | { kind: "comment"; comment: A.Comment; gapStart: number; end: number }
  | { kind: "stmt"; node: Child; gapStart: number; end: number };

export class ResnetPrinter {
  private readonly layout: Layout;

  constructor(
    private readonly ast: A.FileAst,
    private readonly text: string,
  ) {
    this.layout = new Layout(ast, text);
  }

  printFile(): Doc {
    const entries = this.entries(this.ast, this.layout.fileBody);
    if (entries.length === 0) return "";
    return [this.printEntries(entries, true), hardline];
  }

  private entries(owner: object, body: Body): Entry[] {
    const p = this.layout.placement;
    const out: Entry[] = [];
    for (const node of body.children) {
      for (const c of p.leading.get(node) ?? []) {
        const gapStart = p.inner.has(c) ? node.span.start : c.span.start;
        out.push({ kind: "comment", comment: c, gapStart, end: c.span.end });
      }
      const trailing = p.trailing.get(node) ?? [];
      const end = Math.max(node.span.end, ...trailing.map((c) => c.span.end));
      out.push({ kind: "stmt", node, gapStart: node.span.start, end });
    }
    for (const c of p.dangling.get(owner) ?? []) {
      out.push({ kind: "comment", comment: c, gapStart: c.span.start, end: c.span.end });
    }
    return out;
  }

  /**
   * Inside bodies, a blank line is kept where the source had at least one. At the top level,
   * a block or model declaration is always followed by a blank line, and preceded by one when
   * it follows a declaration (consecutive `use` lines stay together unless the user split them).
   */
  private blankBetween(prev: Entry, cur: Entry, topLevel: boolean): boolean {
    if (topLevel && prev.kind === "stmt") {
      if ("kind" in prev.node && prev.node.kind !== "use") return true;
      if (cur.kind === "stmt" && "kind" in cur.node && cur.node.kind !== "use") return true;
    }
    if (cur.gapStart <= prev.end) return false;
    return /\n[ \t\r]*\n/.test(this.text.slice(prev.end, cur.gapStart));
  }

  private printEntries(entries: Entry[], topLevel: boolean): Doc {
    const parts: Doc[] = [];
    entries.forEach((e, i) => {
      if (i > 0) {
        parts.push(hardline);
        if (this.blankBetween(entries[i - 1]!, e, topLevel)) parts.push(hardline);
      }
      if (e.kind === "comment") {
        parts.push(printComment(e.comment));
      } else {
        parts.push(this.printStmt(e.node));
        const trailing = this.layout.placement.trailing.get(e.node) ?? [];
        if (trailing.length > 0) parts.push(" ", join(" ", trailing.map(printComment)));
      }
    });
    return parts;
  }

  private printBody(owner: Child, body: Body): Doc {
    const p = this.layout.placement;
    const header = p.header.get(owner) ?? [];
    const headerDoc: Doc = header.length > 0 ? [" ", join(" ", header.map(printComment))] : "";
    const entries = this.entries(owner, body);
    if (entries.length === 0) {
      // `head {}`, `head { /* nothing yet */ }`, or `head { // nothing yet` and `}` below.
      if (header.length === 0) return "{}";
      const last = header[header.length - 1]!;
      return ["{", headerDoc, last.text.startsWith("//") ? hardline : " ", "}"];
    }
    return ["{", headerDoc, indent([hardline, this.printEntries(entries, false)]), hardline, "}"];
  }

  private withBody(head: string, node: Child): Doc {
    const body = this.layout.bodyOf(node);
    if (!body) throw new Error(`resnet formatter: no body found for '${head}'`);
    return [head, " ", this.printBody(node, body)];
  }

  private printStmt(node: Child): Doc {
    if (this.layout.isVerbatim(node)) {
      return verbatim(this.text.slice(node.span.start, node.span.end));
    }
    if (!("kind" in node)) {
      return `${node.key}: ${node.bindings.map(printBinding).join(", ")}`;
    }
    switch (node.kind) {
      case "use":
        return `use ${JSON.stringify(node.path)}`;
      case "block": {
        const params = node.params.map((p) =>
          p.default ? `${p.name} = ${printExpr(p.default)}` : p.name,
        );
        return this.withBody(`block ${node.name}(${params.join(", ")})`, node);
      }
      case "model": {
        const parent = node.parent ? ` extends ${node.parent.name}` : "";
        return this.withBody(`model ${node.name}${parent}`, node);
      }
      case "command":
        return printCommand(node);
      case "input":
        return `input ${this.text.slice(node.dimsSpan.start, node.dimsSpan.end)}`;
      case "shortcut":
        return `shortcut ${node.value}`;
      case "stem":
        return this.withBody(node.name ? `stem ${node.name}` : "stem", node);
      case "variants":
        return this.withBody("variants", node);
      case "head":
        return this.withBody("head", node);
      case "train":
        return this.withBody("train", node);
      case "stages": {
        let s = `stages ${node.from.name}..${node.to.name}`;
        if (node.blocks) s += ` ${printBinding(node.blocks)}`;
        for (const o of node.options) s += ` ${o.name} ${printList(o.values)}`;
        return s;
      }
      case "stage": {
        let s = `stage ${node.name}: ${printBlockRef(node.block)} x ${printExpr(node.count)}`;
        for (const o of node.options) s += `, ${printArg(o)}`;
        if (node.shortcut) s += `, shortcut ${node.shortcut.value}`;
        return s;
      }
      case "dropPath":
        return printCommand(node.command);
      case "unknown":
        return verbatim(this.text.slice(node.span.start, node.span.end));
    }
  }
}
