// The VS Code extension's TextMate grammar, tokenized with vscode-textmate and vscode-oniguruma
// (what VS Code runs) over every example and the prelude, checked against the compiler's own
// lexer: every keyword, number, size, string and comment it finds gets the matching scope, every
// layer name is a layer, and no character is left without a scope.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import * as oniguruma from "vscode-oniguruma";
import * as vsctm from "vscode-textmate";
import { beforeAll, describe, expect, it } from "vitest";
import { LAYERS } from "../../compiler/layers.js";
import { ResnetLexer } from "../../grammar/tokens.js";
import { read, ROOT } from "./client.js";

const GRAMMAR = resolve(ROOT, "editors/vscode/syntaxes/resnet.tmLanguage.json");
const FILES = [
  "grammar/prelude.resnet",
  ...readdirSync(resolve(ROOT, "examples"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".resnet"))
    .map((f) => `examples/${f}`)
    .sort(),
];

let grammar: vsctm.IGrammar;

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope: string) =>
      scope === "source.resnet"
        ? vsctm.parseRawGrammar(readFileSync(GRAMMAR, "utf8"), GRAMMAR)
        : null,
  });
  grammar = (await registry.loadGrammar("source.resnet"))!;
});

/** The scopes of every character of the text, by offset. */
function scopesByOffset(text: string): string[][] {
  const out: string[][] = [];
  let stack = vsctm.INITIAL;
  let offset = 0;
  for (const line of text.split("\n")) {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens)
      for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); i++)
        out[offset + i] = t.scopes;
    stack = r.ruleStack;
    offset += line.length + 1;
  }
  return out;
}

const KEYWORDS = new Set([
  "Model",
  "Block",
  "Use",
  "Extends",
  "Input",
  "Shortcut",
  "Stem",
  "Variants",
  "Stages",
  "Stage",
  "Head",
  "Train",
  "Times",
]);
const NUMBERS = new Set(["Integer", "Float", "NegNumber"]);

/** The scope prefix each token of the compiler's lexer must carry. */
function expectedScope(type: string, image: string): string | null {
  if (KEYWORDS.has(type)) return "keyword.";
  if (type === "Dims") return "constant.numeric.shape.resnet";
  if (NUMBERS.has(type)) return "constant.numeric.resnet";
  if (type === "StringLit") return "string.quoted.double.resnet";
  if (type === "LineComment" || type === "BlockComment") return "comment.";
  if (type === "Identifier" && image in LAYERS) return "support.function.layer.resnet";
  return null;
}

describe("the TextMate grammar on the examples", () => {
  it.each(FILES)("%s: every token the lexer finds is scoped as what it is", (f) => {
    const text = read(f);
    const scopes = scopesByOffset(text);
    const lex = ResnetLexer.tokenize(text);
    expect(lex.errors).toEqual([]);
    const tokens = [...lex.tokens, ...((lex.groups.comments ?? []) as typeof lex.tokens)];
    const wrong: string[] = [];
    let checked = 0;
    for (const t of tokens) {
      const want = expectedScope(t.tokenType.name, t.image);
      if (!want) continue;
      checked++;
      for (let i = t.startOffset; i <= t.endOffset!; i++) {
        if (text[i] === "\n") continue;
        if (!scopes[i]?.some((s) => s.startsWith(want))) {
          wrong.push(`${t.startLine}:${t.startColumn} ${t.image} -> ${scopes[i]?.join(" ")}`);
          break;
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(3);
  });

  it.each(FILES)("%s: no character is left unscoped, and none is marked illegal", (f) => {
    const text = read(f);
    const scopes = scopesByOffset(text);
    const bad: string[] = [];
    [...text].forEach((ch, i) => {
      if (/\s/.test(ch)) return;
      const s = scopes[i] ?? [];
      if (s.length < 2 || s.some((x) => x.startsWith("invalid."))) bad.push(`${i} ${ch} ${s}`);
    });
    expect(bad).toEqual([]);
  });

  it("marks a character the language does not use as illegal", () => {
    const scopes = scopesByOffset("model m { @ }");
    expect(scopes[10]).toEqual(["source.resnet", "invalid.illegal.character.resnet"]);
  });
});
