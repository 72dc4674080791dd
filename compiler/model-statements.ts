// A model's statements after `extends`: the parent's, with the child's replacing them kind by kind
// (stages as a whole; train settings one by one). Reports RN010, RN011, RN012 and RN107.
import type { Command, ModelDecl, ModelStmt, Span } from "../grammar/ast.js";
import { error, type Diagnostic } from "../grammar/diagnostic.js";
import { didYouMean } from "../grammar/suggest.js";
import { where } from "./program.js";

export const MODEL_STATEMENTS = [
  "input",
  "shortcut",
  "stem",
  "variants",
  "stages",
  "stage",
  "head",
  "train",
  "drop_path",
];

type Of<K extends ModelStmt["kind"]> = Extract<ModelStmt, { kind: K }>;

export interface MergedModel {
  decl: ModelDecl;
  input: Of<"input"> | null;
  shortcut: Of<"shortcut"> | null;
  stem: Of<"stem"> | null;
  variants: Of<"variants"> | null;
  stages: (Of<"stages"> | Of<"stage">)[];
  head: Of<"head"> | null;
  train: Command[];
  dropPath: Of<"dropPath"> | null;
}

export function mergeModel(
  decl: ModelDecl,
  models: Map<string, ModelDecl>,
  out: Diagnostic[],
  cwd: string,
): MergedModel | null {
  const chain: ModelDecl[] = [];
  let cur: ModelDecl | undefined = decl;
  const seen = new Set<string>();
  while (cur) {
    if (seen.has(cur.name)) {
      const cycle = [...chain].reverse().map((m) => m.name);
      out.push(
        error(
          "RN107",
          `model '${decl.name}' extends itself: ${[...cycle, cur.name].join(" -> ")}`,
          decl.parent?.span ?? decl.nameSpan,
        ),
      );
      return null;
    }
    seen.add(cur.name);
    chain.unshift(cur);
    if (!cur.parent) break;
    const parent = models.get(cur.parent.name);
    if (!parent) {
      out.push(
        error(
          "RN107",
          `unknown model '${cur.parent.name}' in extends`,
          cur.parent.span,
          didYouMean(cur.parent.name, models.keys()) ??
            "the parent must be defined in this file or in a file it uses",
        ),
      );
      return null;
    }
    cur = parent;
  }
  const m: MergedModel = {
    decl,
    input: null,
    shortcut: null,
    stem: null,
    variants: null,
    stages: [],
    head: null,
    train: [],
    dropPath: null,
  };
  let unknown = false;
  for (const d of chain) {
    const own = ownStatements(d, out, cwd);
    unknown ||= own.unknown;
    if (own.input) m.input = own.input;
    if (own.shortcut) m.shortcut = own.shortcut;
    if (own.stem) m.stem = own.stem;
    if (own.variants) m.variants = own.variants;
    if (own.head) m.head = own.head;
    if (own.dropPath) m.dropPath = own.dropPath;
    if (own.stages.length) m.stages = own.stages;
    // Later settings of the same name win.
    for (const s of own.train) {
      m.train = m.train.filter((t) => t.name !== s.name);
      m.train.push(s);
    }
  }
  let ok = !unknown;
  const missing = (what: string, example: string) => {
    ok = false;
    // A misspelt statement (RN010) is the likelier story: say that alone.
    if (unknown) return;
    out.push(
      error(
        "RN012",
        `model '${decl.name}' has no ${what}`,
        decl.nameSpan,
        `add e.g. \`${example}\``,
      ),
    );
  };
  if (!m.input) missing("input", "input 224x224x3");
  if (m.stages.length === 0)
    missing("stages", "stages conv2..conv5 widths [64, 128, 256, 512] strides [1, 2, 2, 2]");
  if (!m.head) missing("head", "head { global avgpool; fc 1000; softmax }");
  return ok ? m : null;
}

/** One declaration's statements by kind, reporting unknown (RN010) and repeated (RN011) ones. */
function ownStatements(d: ModelDecl, out: Diagnostic[], cwd: string) {
  const r = {
    input: null as Of<"input"> | null,
    shortcut: null as Of<"shortcut"> | null,
    stem: null as Of<"stem"> | null,
    variants: null as Of<"variants"> | null,
    head: null as Of<"head"> | null,
    dropPath: null as Of<"dropPath"> | null,
    stages: [] as (Of<"stages"> | Of<"stage">)[],
    train: [] as Command[],
    unknown: false,
  };
  const once = (
    k: "input" | "shortcut" | "stem" | "variants" | "head" | "dropPath",
    s: { span: Span },
  ) => {
    const prev = r[k] as { span: Span } | null;
    if (prev) {
      out.push(
        error(
          "RN011",
          `model '${d.name}' has two '${k === "dropPath" ? "drop_path" : k}' statements`,
          s.span,
          `the first is at ${where(prev.span, cwd)}`,
        ),
      );
      return;
    }
    (r as Record<string, unknown>)[k] = s;
  };
  for (const s of d.statements) {
    switch (s.kind) {
      case "input":
      case "shortcut":
      case "stem":
      case "variants":
      case "head":
      case "dropPath":
        once(s.kind, s);
        break;
      case "stages":
      case "stage":
        r.stages.push(s);
        break;
      case "train":
        r.train.push(...s.settings);
        break;
      case "unknown":
        r.unknown = true;
        out.push(
          error(
            "RN010",
            `unknown model statement '${s.name}'`,
            s.nameSpan,
            didYouMean(s.name, MODEL_STATEMENTS) ?? `a model holds: ${MODEL_STATEMENTS.join(", ")}`,
          ),
        );
    }
  }
  return r;
}
