// Completion: keywords, layer kinds and their options, block types in scope, shortcut options,
// data sources and training settings, chosen by where the cursor is.
import { CompletionItemKind, type CompletionItem } from "vscode-languageserver";
import { basename } from "node:path";
import { printExpr } from "../grammar/ast.js";
import { vocabulary, type Program } from "./compiler-adapter.js";
import { cursorContext } from "./context.js";
import { SHORTCUT_MEANINGS } from "./hover.js";

const item = (label: string, kind: CompletionItemKind, detail?: string): CompletionItem => ({
  label,
  kind,
  ...(detail ? { detail } : {}),
});

export function completions(
  program: Program | null,
  text: string,
  offset: number,
): CompletionItem[] {
  const { section, statement: s } = cursorContext(text, offset);
  const words = (ws: string[], kind: CompletionItemKind = CompletionItemKind.Keyword) =>
    ws.map((w) => item(w, kind));
  if (/\bshortcuts?\s+\w*$/.test(s) || /\bshortcuts\s*\[[^\]]*$/.test(s))
    return vocabulary.shortcutModes.map((m) =>
      item(m, CompletionItemKind.EnumMember, SHORTCUT_MEANINGS[m]),
    );
  if (/\bextends\s+\w*$/.test(s))
    return [...(program?.models.keys() ?? [])].map((m) => item(m, CompletionItemKind.Class));
  switch (section) {
    case "top":
      return /^\s*\w*$/.test(s) ? words(vocabulary.topLevel) : [];
    case "model":
      if (/^\s*stages\s+\w+\s*\.\.\s*\w+\s+\w*$/.test(s) || /^\s*stage\s+\w+\s*:\s*\w*$/.test(s))
        return blockItems(program);
      if (/^\s*stages\b.*\]\s*\w*$/.test(s))
        return words(["widths", "strides", "shortcuts"], CompletionItemKind.Property);
      return /^\s*\w*$/.test(s) ? words(vocabulary.modelStatements) : [];
    case "variants":
      return /^\s*\w+\s*:\s*\w*$/.test(s) ? blockItems(program) : [];
    case "train":
      if (/^\s*data\s+\S*$/.test(s)) return words(vocabulary.dataSources, CompletionItemKind.Value);
      return /^\s*\w*$/.test(s)
        ? Object.entries(vocabulary.trainSettings).map(([k, usage]) =>
            item(k, CompletionItemKind.Property, usage),
          )
        : [];
    case "stem":
    case "head":
    case "block":
      return layerItems(section, s);
  }
}

function layerItems(where: "stem" | "head" | "block", s: string): CompletionItem[] {
  const { layers } = vocabulary;
  if (/^\s*(\w+\s*:\s*)?\w*$/.test(s))
    return Object.entries(layers)
      .filter(([, l]) => l.where.includes(where))
      .map(([k, l]) => item(k, CompletionItemKind.Function, l.usage));
  const value = /\b(global|post|pad|bn|relu)\s+\w*$/.exec(s)?.[1];
  const values: Record<string, string[]> = {
    global: ["avgpool", "maxpool"],
    post: ["relu", "none"],
    pad: ["same", "valid"],
    bn: ["none"],
    relu: ["none"],
  };
  if (value && values[value]) return values[value].map((v) => item(v, CompletionItemKind.Value));
  const layer = /^\s*(?:\w+\s*:\s*)?(\w+)\b.*,\s*\w*$/.exec(s)?.[1];
  if (layer && layers[layer])
    return layers[layer].options.map((o) =>
      item(o, CompletionItemKind.Property, layers[layer].usage),
    );
  return [];
}

function blockItems(program: Program | null): CompletionItem[] {
  if (!program) return [];
  return [...program.blocks.values()].map((b) => ({
    ...item(
      b.name,
      CompletionItemKind.Class,
      `block ${b.name}(${b.params.map((p) => (p.default ? `${p.name} = ${printExpr(p.default)}` : p.name)).join(", ")})`,
    ),
    documentation:
      b.span.file === program.preludePath ? "from the prelude" : `from ${basename(b.span.file)}`,
  }));
}
