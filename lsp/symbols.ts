// Document symbols for the outline: models (with their variants, stem, stages and head) and
// block types (with their parameters).
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver";
import type { FileAst, ModelStmt, Span } from "../grammar/ast.js";
import { stageNames } from "./facts.js";
import type { Texts } from "./text.js";

export function documentSymbols(ast: FileAst, texts: Texts): DocumentSymbol[] {
  const sym = (
    name: string,
    kind: SymbolKind,
    span: Span,
    sel: Span,
    children: DocumentSymbol[] = [],
    detail?: string,
  ): DocumentSymbol => ({
    name,
    kind,
    range: texts.range(span),
    selectionRange: texts.range(sel),
    children,
    ...(detail ? { detail } : {}),
  });
  const out: DocumentSymbol[] = [];
  for (const b of ast.blocks)
    out.push(
      sym(
        b.name,
        SymbolKind.Function,
        b.span,
        b.nameSpan,
        b.params.map((p) => sym(p.name, SymbolKind.Variable, p.span, p.span)),
        "block",
      ),
    );
  for (const m of ast.models) {
    const children = m.statements.flatMap((s) => statementSymbols(s, sym));
    out.push(
      sym(
        m.name,
        SymbolKind.Class,
        m.span,
        m.nameSpan,
        children,
        m.parent ? `extends ${m.parent.name}` : "model",
      ),
    );
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line);
}

type Sym = (
  name: string,
  kind: SymbolKind,
  span: Span,
  sel: Span,
  children?: DocumentSymbol[],
  detail?: string,
) => DocumentSymbol;

function statementSymbols(s: ModelStmt, sym: Sym): DocumentSymbol[] {
  switch (s.kind) {
    case "variants":
      return [
        sym(
          "variants",
          SymbolKind.Namespace,
          s.span,
          s.span,
          s.variants.map((v) => sym(v.key, SymbolKind.EnumMember, v.span, v.keySpan)),
        ),
      ];
    case "stem":
      return [sym(s.name ?? "stem", SymbolKind.Module, s.span, s.nameSpan ?? s.span, [], "stem")];
    case "head":
      return [sym("head", SymbolKind.Module, s.span, s.span)];
    case "train":
      return [sym("train", SymbolKind.Property, s.span, s.span)];
    case "stages":
      return stageNames(s).map((n) =>
        sym(n, SymbolKind.Field, s.span, s.from.span, [], s.blocks?.block.name ?? "stage"),
      );
    case "stage":
      return [sym(s.name, SymbolKind.Field, s.span, s.nameSpan, [], s.block.name)];
    default:
      return [];
  }
}
