// Shared helpers of the formatter specs: files to format, AST comparison, comment sprinkling.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseSource } from "../../../grammar/parse.js";
import { ResnetLexer } from "../../../grammar/tokens.js";

export const ROOT = join(import.meta.dirname, "../../..");

/** Every .resnet file under examples/ (found when the specs run), and the prelude. */
export function resnetFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".resnet")) out.push(p);
    }
  };
  walk(join(ROOT, "examples"));
  out.push(join(ROOT, "grammar/prelude.resnet"));
  return out;
}

/**
 * The AST without positions or comments, for comparing a file before and after formatting.
 * A negated literal (`- 1`) and a negative literal (`-1`) are the same value; the formatter
 * prints both as `-1`.
 */
export function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value === null || typeof value !== "object") return value;
  const o = value as Record<string, unknown>;
  if (o.kind === "neg") {
    const operand = o.operand as Record<string, unknown>;
    if (operand.kind === "num" && !String(operand.text).startsWith("-")) {
      return { kind: "num", value: -(operand.value as number), text: `-${String(operand.text)}` };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === "span" || k.endsWith("Span") || k === "comments" || k === "path") continue;
    out[k] = shape(v);
  }
  return out;
}

export function parseOk(text: string, file = "<spec>") {
  const { ast, diagnostics } = parseSource(file, text);
  if (diagnostics.length > 0) {
    throw new Error(`${file}: ${diagnostics.map((d) => d.message).join("; ")}\n${text}`);
  }
  return ast;
}

export function commentTexts(text: string): string[] {
  return parseOk(text)
    .comments.map((c) => (c.text.startsWith("//") ? c.text.trimEnd() : c.text))
    .sort();
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The text with comments added at random: block comments (some spanning lines) between tokens,
 * line comments at ends of lines. Neither changes what the file means.
 */
export function sprinkleComments(text: string, seed: number, rate = 0.15): string {
  const random = rng(seed);
  const lexed = ResnetLexer.tokenize(text);
  const inComment = (i: number) =>
    (lexed.groups.comments ?? []).some((c) => c.startOffset <= i && i <= (c.endOffset ?? i));
  const inserts: { at: number; text: string }[] = [];
  let n = 0;
  for (const t of lexed.tokens) {
    // Not before a newline: the line may end in a line comment, which would swallow it.
    if (t.tokenType.name !== "Newline" && random() < rate) {
      const body = random() < 0.2 ? `b${n++}\n   more` : `b${n++}`;
      inserts.push({ at: t.startOffset, text: ` /* ${body} */ ` });
    }
  }
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\n" && !inComment(i) && random() < rate) {
      inserts.push({ at: i, text: ` // l${n++}` });
    }
  }
  inserts.sort((a, b) => b.at - a.at);
  let out = text;
  for (const ins of inserts) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  return out;
}
