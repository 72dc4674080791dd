// Model + variant -> ModelInstance: evaluates the variant's bindings, expands `stages` ranges and
// block calls, parses every layer. Reports name and number errors (RN101-RN121).
import {
  printExpr,
  type BlockDecl,
  type BlockRef,
  type CallArg,
  type Command,
  type Expr,
  type Span,
} from "../grammar/ast.js";
import { error, type Diagnostic } from "../grammar/diagnostic.js";
import { didYouMean } from "../grammar/suggest.js";
import { evaluate, positiveInt, type Env } from "./evaluate.js";
import type { BlockInstance, LayerSpec, ModelInstance, Section, ShortcutMode } from "./instance.js";
import { shortcutMode } from "./instance.js";
import { stageRange } from "./rules/stage-ranges.js";
import { LIMIT_HINT, LIMITS } from "./limits.js";
import { checkProbability, parseLayer, type LayerContext } from "./layers.js";
import type { MergedModel } from "./model-statements.js";
import type { Program } from "./program.js";
import { buildRecipe } from "./train-settings.js";

export const STAGES_OPTIONS = ["widths", "strides", "shortcuts"];

export function variantKeys(m: MergedModel, out: Diagnostic[]): (string | null)[] {
  if (!m.variants || m.variants.variants.length === 0) return [null];
  const keys: string[] = [];
  if (m.variants.variants.length > LIMITS.variants) {
    out.push(
      error(
        "RN122",
        `model '${m.decl.name}' has ${m.variants.variants.length} variants, over the limit of ${LIMITS.variants}`,
        m.variants.variants[LIMITS.variants]!.keySpan,
        LIMIT_HINT,
      ),
    );
    return [];
  }
  for (const v of m.variants.variants) {
    if (keys.includes(v.key)) {
      out.push(
        error("RN102", `variant '${v.key}' is defined twice in model '${m.decl.name}'`, v.keySpan),
      );
      continue;
    }
    keys.push(v.key);
  }
  return keys;
}

export function expandModel(
  prog: Program,
  m: MergedModel,
  variant: string | null,
  out: Diagnostic[],
): ModelInstance | null {
  const before = out.filter((d) => d.severity === "error").length;
  const start = out.length;
  const env: Env = new Map();
  let variantBlocks: { block: BlockRef; counts: Expr[]; span: Span } | null = null;
  const v = variant === null ? null : m.variants?.variants.find((x) => x.key === variant);
  if (v) {
    for (const b of v.bindings) {
      if (b.kind === "binding") {
        if (env.has(b.name))
          out.push(error("RN102", `'${b.name}' is bound twice in variant '${v.key}'`, b.nameSpan));
        env.set(b.name, evaluate(b.value, env, out));
      } else {
        variantBlocks = { block: b.block, counts: b.counts, span: b.span };
      }
    }
  }

  // input
  const inputStmt = m.input!;
  let input: [number, number, number] = [1, 1, 1];
  if (inputStmt.dims.length !== 3) {
    out.push(
      error(
        "RN120",
        `input must be HxWxC (three numbers), got ${inputStmt.dims.join("x")}`,
        inputStmt.dimsSpan,
        "e.g. input 224x224x3",
      ),
    );
  } else if (inputStmt.dims.some((d) => d < 1)) {
    out.push(
      error(
        "RN120",
        `input sizes must be positive, got ${inputStmt.dims.join("x")}`,
        inputStmt.dimsSpan,
      ),
    );
  } else if (
    inputStmt.dims[0]! > LIMITS.inputSize ||
    inputStmt.dims[1]! > LIMITS.inputSize ||
    inputStmt.dims[2]! > LIMITS.channels
  ) {
    out.push(
      error(
        "RN122",
        `input ${inputStmt.dims.join("x")} is over the limit of ${LIMITS.inputSize}x${LIMITS.inputSize}x${LIMITS.channels}`,
        inputStmt.dimsSpan,
        LIMIT_HINT,
      ),
    );
  } else input = inputStmt.dims as [number, number, number];

  const modelShortcut = m.shortcut ? modeOf(m.shortcut.value) : "B";

  const sections: Section[] = [];
  if (m.stem) {
    let group = m.stem.name ?? "conv1";
    let cur: LayerSpec[] = [];
    for (const c of m.stem.layers) {
      if (c.label && c.label.name !== group) {
        if (cur.length) sections.push({ kind: "layers", group, layers: cur });
        group = c.label.name;
        cur = [];
      }
      const l = layer(c, env, "stem", out);
      if (l) cur.push(l);
    }
    if (cur.length) sections.push({ kind: "layers", group, layers: cur });
  }

  for (const st of m.stages) {
    if (st.kind === "stages") {
      const names = expandRange(st.from, st.to, out);
      const blocks = st.blocks ?? variantBlocks;
      if (!blocks) {
        out.push(
          error(
            "RN111",
            `stages ${st.from.name}..${st.to.name} say no block type`,
            st.from.span,
            "write e.g. `basic x [2, 2, 2, 2]` after the range, or give each variant one (`18: basic x [2, 2, 2, 2]`)",
          ),
        );
        continue;
      }
      const decl = findBlock(prog, blocks.block, out);
      const opts = new Map<string, { values: Expr[]; span: Span }>();
      for (const o of st.options) {
        if (!STAGES_OPTIONS.includes(o.name)) {
          out.push(
            error(
              "RN110",
              `stages has no option '${o.name}'`,
              o.nameSpan,
              didYouMean(o.name, STAGES_OPTIONS) ?? `options: ${STAGES_OPTIONS.join(", ")}`,
            ),
          );
          continue;
        }
        if (opts.has(o.name)) {
          out.push(error("RN110", `'${o.name}' is given twice`, o.nameSpan));
          continue;
        }
        opts.set(o.name, { values: o.values, span: o.nameSpan });
      }
      if (!names) continue;
      const n = names.length;
      const lengthOk = (what: string, len: number, span: Span) => {
        if (len === n) return true;
        out.push(
          error(
            "RN110",
            `${what} has ${len} value${len === 1 ? "" : "s"} but ${st.from.name}..${st.to.name} names ${n} stage${n === 1 ? "" : "s"}`,
            span,
          ),
        );
        return false;
      };
      const widths = opts.get("widths");
      if (!widths) {
        out.push(
          error(
            "RN110",
            `stages ${st.from.name}..${st.to.name} need widths`,
            st.from.span,
            `add e.g. widths [${names.map((_, i) => 64 * 2 ** i).join(", ")}]`,
          ),
        );
        continue;
      }
      const countsOk = lengthOk("the block count list", blocks.counts.length, blocks.span);
      const widthsOk = lengthOk("widths", widths.values.length, widths.span);
      const strides = opts.get("strides");
      const stridesOk = strides ? lengthOk("strides", strides.values.length, strides.span) : true;
      const shortcuts = opts.get("shortcuts");
      const shortcutsOk = shortcuts
        ? lengthOk("shortcuts", shortcuts.values.length, shortcuts.span)
        : true;
      if (!countsOk || !widthsOk || !stridesOk || !shortcutsOk || !decl) continue;
      const widthParam = decl.params[0]?.name;
      const named = blocks.block.args.find((a) => a.name?.name === widthParam);
      if (named) {
        out.push(
          error(
            "RN106",
            `'${widthParam}', the first parameter of '${decl.name}', is the stage's width: it comes from widths [...]`,
            named.span,
            `remove '${widthParam} = …' here`,
          ),
        );
        continue;
      }
      for (let i = 0; i < n; i++) {
        const count = positiveInt(
          evaluate(blocks.counts[i], env, out),
          "a block count",
          blocks.counts[i].span,
          out,
        );
        const width = positiveInt(
          evaluate(widths.values[i], env, out),
          "a width",
          widths.values[i].span,
          out,
        );
        const stride = strides
          ? positiveInt(
              evaluate(strides.values[i], env, out),
              "a stride",
              strides.values[i].span,
              out,
            )
          : i === 0
            ? 1
            : 2;
        let mode = modelShortcut;
        if (shortcuts) {
          const e = shortcuts.values[i];
          mode = modeOf(e.kind === "var" ? e.name : printExpr(e));
        }
        if (count === null || width === null || stride === null) continue;
        const firstArgs: CallArg[] = [
          { name: null, value: num(width, widths.values[i].span), span: widths.values[i].span },
          ...blocks.block.args,
        ];
        const at = { ...st.span, end: st.to.span.end };
        sections.push({
          kind: "stage",
          name: names[i],
          span: at,
          blocks: stageBlocks(decl, firstArgs, count, stride, mode, env, at, out, names[i]),
        });
      }
    } else {
      const decl = findBlock(prog, st.block, out);
      const count = positiveInt(evaluate(st.count, env, out), "a block count", st.count.span, out);
      let stride = 1;
      let dropPath: number | undefined;
      for (const o of st.options) {
        const k = o.items[0];
        const key = k.kind === "expr" && k.expr.kind === "var" ? k.expr.name : null;
        if (key === "stride" && o.items.length === 2 && o.items[1].kind === "expr") {
          stride =
            positiveInt(evaluate(o.items[1].expr, env, out), "a stride", o.items[1].span, out) ?? 1;
        } else if (key === "drop_path" && o.items.length === 2 && o.items[1].kind === "expr") {
          const v = evaluate(o.items[1].expr, env, out);
          dropPath = checkProbability(v, "drop_path", o.items[1].span, out) ?? undefined;
        } else {
          out.push(
            error(
              "RN110",
              `stage takes 'stride S', 'shortcut X' and 'drop_path P' after the block count`,
              o.span,
              key ? didYouMean(key, ["stride", "shortcut", "drop_path"]) : undefined,
            ),
          );
        }
      }
      const mode = st.shortcut ? modeOf(st.shortcut.value) : modelShortcut;
      if (!decl || count === null) continue;
      const at = { ...st.span, end: st.nameSpan.end };
      sections.push({
        kind: "stage",
        name: st.name,
        span: at,
        blocks: stageBlocks(decl, st.block.args, count, stride, mode, env, at, out, st.name),
        dropPath,
      });
    }
  }

  if (m.dropPath) assignDropPath(sections, m.dropPath.command, env, out);
  else for (const sec of sections) if (sec.kind === "stage") setDropPath(sec, () => sec.dropPath);

  const head: LayerSpec[] = [];
  for (const c of m.head!.layers) {
    const l = layer(c, env, "head", out);
    if (l) head.push(l);
  }
  sections.push({ kind: "layers", group: "head", layers: head });

  const groupNames = [...new Set(sections.map((s) => (s.kind === "stage" ? s.name : s.group)))];
  const recipe = buildRecipe(m.train, env, out, groupNames);
  // Values that depend on the variant (RN120, RN121) say which variant they came from.
  if (variant !== null) {
    for (let i = start; i < out.length; i++) {
      const d = out[i];
      if (d.code === "RN120" || d.code === "RN121" || d.code === "RN111")
        out[i] = { ...d, variant };
    }
  }
  if (out.filter((d) => d.severity === "error").length > before) return null;
  return {
    name: m.decl.name,
    variant,
    input,
    inputSpan: inputStmt.dimsSpan,
    sections,
    recipe,
    span: m.decl.span,
    headSpan: m.head!.span,
  };
}

/**
 * `drop_path P` gives every block of the model the probability P; `drop_path P, linear` gives block
 * l of L the probability P * l / L (Huang et al. 2016's linear decay: the last block P). A `stage`
 * with its own `drop_path` keeps it.
 */
function assignDropPath(sections: Section[], cmd: Command, env: Env, out: Diagnostic[]): void {
  const [first, second, ...rest] = cmd.args;
  const it = first?.items.length === 1 ? first.items[0] : null;
  const linearWord =
    second?.items.length === 1 && second.items[0].kind === "expr" && second.items[0].expr;
  const linear = linearWord && linearWord.kind === "var" && linearWord.name === "linear";
  if (!it || it.kind !== "expr" || (second && !linear) || rest.length) {
    out.push(
      error(
        "RN123",
        "drop_path takes a probability and, optionally, `linear`",
        cmd.span,
        "e.g. `drop_path 0.2` (every block) or `drop_path 0.5, linear` (rising to 0.5 at the last block)",
      ),
    );
    return;
  }
  const p = checkProbability(evaluate(it.expr, env, out), "drop_path", it.span, out);
  if (p === null) return;
  const total = sections.reduce((n, s) => n + (s.kind === "stage" ? s.blocks.length : 0), 0);
  let l = 0;
  for (const sec of sections) {
    if (sec.kind !== "stage") continue;
    setDropPath(sec, () => sec.dropPath ?? (linear ? (p * ++l) / total : p));
    if (sec.dropPath !== undefined) l += sec.blocks.length;
  }
}

function setDropPath(sec: Section & { kind: "stage" }, rate: () => number | undefined): void {
  for (const b of sec.blocks) {
    const r = rate();
    if (r) b.dropPath = r;
  }
}

function num(value: number, span: Span): Expr {
  return { kind: "num", value, text: String(value), span };
}

function layer(c: Command, env: Env, where: LayerContext, out: Diagnostic[]): LayerSpec | null {
  const l = parseLayer(c, env, where, out);
  return l && l.op !== "post" ? l : null;
}

/** An unknown option is the shortcut-options rule's to report; expansion goes on with B. */
function modeOf(value: string): ShortcutMode {
  return shortcutMode(value) ?? "B";
}

function findBlock(prog: Program, ref: BlockRef, out: Diagnostic[]): BlockDecl | null {
  const b = prog.blocks.get(ref.name);
  if (!b && prog.importFailed) return null;
  if (!b) {
    out.push(
      error(
        "RN101",
        `unknown block type '${ref.name}'`,
        ref.span,
        didYouMean(ref.name, prog.blocks.keys()) ??
          `block types: ${[...prog.blocks.keys()].join(", ")}`,
      ),
    );
    return null;
  }
  return b;
}

/** `conv2..conv5` -> conv2, conv3, conv4, conv5 (RN110 if the names do not form a range). */
function expandRange(
  from: { name: string; span: Span },
  to: { name: string; span: Span },
  out: Diagnostic[],
): string[] | null {
  const r = stageRange(from.name, to.name);
  if (!r) return null; // the stage-ranges rule reports it
  if (r.last - r.first + 1 > LIMITS.stages) {
    out.push(
      error(
        "RN122",
        `'${from.name}..${to.name}' is ${r.last - r.first + 1} stages, over the limit of ${LIMITS.stages}`,
        from.span,
        LIMIT_HINT,
      ),
    );
    return null;
  }
  const names: string[] = [];
  for (let i = r.first; i <= r.last; i++) names.push(`${r.prefix}${i}`);
  return names;
}

function stageBlocks(
  decl: BlockDecl,
  args: CallArg[],
  count: number,
  stride: number,
  mode: ShortcutMode,
  env: Env,
  span: Span,
  out: Diagnostic[],
  stage: string,
): BlockInstance[] {
  const blocks: BlockInstance[] = [];
  for (let i = 1; i <= count; i++) {
    const s = i === 1 ? stride : 1;
    const b = instantiateBlock(decl, args, s, env, span, out, stage);
    if (!b) break;
    blocks.push({ ...b, index: i, shortcut: mode, stride: s, span });
  }
  return blocks;
}

/** Binds a call's arguments to the block's parameters (RN106) and parses its body. */
export function bindBlockArgs(
  decl: BlockDecl,
  args: CallArg[],
  stride: number | null,
  env: Env,
  callSpan: Span,
  out: Diagnostic[],
  stage = "this stage",
): Env | null {
  const bound = new Map<string, number | null>();
  const given = new Map<string, Span>();
  let pos = 0;
  let ok = true;
  for (const a of args) {
    let name: string;
    if (a.name) {
      name = a.name.name;
      if (!decl.params.some((p) => p.name === name)) {
        out.push(
          error(
            "RN106",
            `block '${decl.name}' has no parameter '${name}'`,
            a.name.span,
            didYouMean(
              name,
              decl.params.map((p) => p.name),
            ) ?? paramsHint(decl),
          ),
        );
        ok = false;
        continue;
      }
    } else {
      if (pos >= decl.params.length) {
        out.push(
          error(
            "RN106",
            `block '${decl.name}' takes ${decl.params.length} argument${decl.params.length === 1 ? "" : "s"}, got more`,
            a.span,
            paramsHint(decl),
          ),
        );
        ok = false;
        continue;
      }
      name = decl.params[pos++].name;
    }
    if (given.has(name)) {
      out.push(
        error("RN106", `parameter '${name}' of block '${decl.name}' is given twice`, a.span),
      );
      ok = false;
      continue;
    }
    given.set(name, a.span);
    bound.set(name, evaluate(a.value, env, out));
  }
  if (stride !== null) {
    if (decl.params.some((p) => p.name === "stride")) {
      if (!given.has("stride")) bound.set("stride", stride);
    } else if (stride !== 1) {
      out.push(
        error(
          "RN205",
          `block '${decl.name}' has no 'stride' parameter, but stage ${stage} has stride ${stride}`,
          callSpan,
          `add a parameter to the block: block ${decl.name}(${decl.params.map((p) => p.name).join(", ")}, stride = 1) and use it in a conv`,
        ),
      );
      ok = false;
    }
  }
  const local: Env = new Map();
  for (const p of decl.params) {
    if (bound.has(p.name)) local.set(p.name, bound.get(p.name)!);
    else if (p.default) local.set(p.name, evaluate(p.default, local, out));
    else {
      out.push(
        error(
          "RN106",
          `block '${decl.name}' needs a value for '${p.name}'`,
          callSpan,
          paramsHint(decl),
        ),
      );
      ok = false;
    }
  }
  return ok ? local : null;
}

function paramsHint(decl: BlockDecl): string {
  return `block ${decl.name}(${decl.params.map((p) => p.name + (p.default ? " = …" : "")).join(", ")})`;
}

function instantiateBlock(
  decl: BlockDecl,
  args: CallArg[],
  stride: number,
  env: Env,
  span: Span,
  out: Diagnostic[],
  stage: string,
) {
  const local = bindBlockArgs(decl, args, stride, env, span, out, stage);
  if (!local) return null;
  return blockBody(decl, local, out);
}

export function blockBody(
  decl: BlockDecl,
  local: Env,
  out: Diagnostic[],
): { type: string; layers: LayerSpec[]; post: "relu" | "none" } {
  const layers: LayerSpec[] = [];
  let post: "relu" | "none" = "relu";
  for (const c of decl.body) {
    const l = parseLayer(c, local, "block", out);
    if (!l) continue;
    if (l.op === "post") post = l.value;
    else layers.push(l);
  }
  return { type: decl.name, layers, post };
}
