// The layers a stem, block or head may contain, and how a command's arguments become a LayerSpec.
// `conv` is the paper's unit: convolution, then BN, then ReLU, unless `bn none` / `relu none`.
import type { Arg, Command, Item, Span } from "../grammar/ast.js";
import type { Code } from "../grammar/codes.js";
import { error, type Diagnostic } from "../grammar/diagnostic.js";
import { didYouMean } from "../grammar/suggest.js";
import { evaluate, fmt, positiveInt, type Env } from "./evaluate.js";
import type { LayerSpec, Padding } from "./instance.js";
import { LIMIT_HINT, LIMITS } from "./limits.js";

export type LayerContext = "stem" | "block" | "head";

interface LayerInfo {
  /** What users see in docs and errors. */
  usage: string;
  options: string[];
  where: LayerContext[];
}

export const LAYERS: Record<string, LayerInfo> = {
  conv: {
    usage:
      "conv KxK, CHANNELS [, stride S] [, pad same|valid|P] [, groups G] [, dilation D] [, bn none] [, relu none] [, bias]",
    options: ["stride", "pad", "bn", "relu", "bias", "groups", "dilation"],
    where: ["stem", "block", "head"],
  },
  bn: { usage: "bn", options: [], where: ["stem", "block", "head"] },
  relu: { usage: "relu", options: [], where: ["stem", "block", "head"] },
  maxpool: {
    usage: "maxpool KxK [, stride S] [, pad same|valid|P]",
    options: ["stride", "pad"],
    where: ["stem", "block", "head"],
  },
  avgpool: {
    usage: "avgpool KxK [, stride S] [, pad same|valid|P]",
    options: ["stride", "pad"],
    where: ["stem", "block", "head"],
  },
  global: { usage: "global avgpool | global maxpool", options: [], where: ["stem", "head"] },
  fc: { usage: "fc UNITS", options: [], where: ["head"] },
  softmax: { usage: "softmax", options: [], where: ["head"] },
  flatten: { usage: "flatten", options: [], where: ["head"] },
  post: { usage: "post relu | post none", options: [], where: ["block"] },
  se: { usage: "se R (squeeze-and-excitation, reduction ratio R)", options: [], where: ["block"] },
  dropout: { usage: "dropout P (0 <= P < 1)", options: [], where: ["block", "head"] },
};

export type ParsedLayer = LayerSpec | { op: "post"; value: "relu" | "none"; span: Span };

/** Turns one command into a layer, reporting RN104 (unknown layer), RN105 (bad arguments), RN130 (wrong place). */
export function parseLayer(
  cmd: Command,
  env: Env,
  where: LayerContext,
  out: Diagnostic[],
): ParsedLayer | null {
  const info = LAYERS[cmd.name];
  if (!info) {
    const here = Object.keys(LAYERS).filter((k) => LAYERS[k].where.includes(where));
    out.push(
      error(
        "RN104",
        `unknown layer '${cmd.name}'`,
        cmd.nameSpan,
        didYouMean(cmd.name, here) ?? `layers allowed in a ${where}: ${here.join(", ")}`,
      ),
    );
    return null;
  }
  // `global avgpool fc 10`: a layer name inside the arguments means a missing line break.
  for (const a of cmd.args) {
    for (const it of a.items.slice(1)) {
      if (
        it.kind === "expr" &&
        it.expr.kind === "var" &&
        LAYERS[it.expr.name] &&
        !env.has(it.expr.name) &&
        !info.options.includes(it.expr.name)
      ) {
        out.push(
          error(
            "RN105",
            `'${it.expr.name}' looks like the next layer, but it is read as an argument of '${cmd.name}'`,
            it.span,
            "put each layer on its own line, or separate them with ';'",
          ),
        );
        return null;
      }
    }
  }
  if (!info.where.includes(where)) {
    out.push(
      error(
        "RN130",
        `'${cmd.name}' is not allowed in a ${where}`,
        cmd.nameSpan,
        placeHint(cmd.name),
      ),
    );
    return null;
  }
  if (cmd.label && where !== "stem") {
    out.push(
      error(
        "RN130",
        `group labels ('${cmd.label.name}:') are only allowed in a stem`,
        cmd.label.span,
      ),
    );
  }
  const p = new ArgReader(cmd, info, env, out);
  const span = cmd.span;
  switch (cmd.name) {
    case "conv": {
      const kernel = p.kernel(0, "kernel size");
      const filters = p.int(1, "number of channels");
      const stride = p.optInt("stride", 1);
      const pad = p.padding();
      const bn = p.onOff("bn", true);
      const relu = p.onOff("relu", true);
      const bias = p.flag("bias");
      const groups = p.optInt("groups", 1);
      const dilation = p.optInt("dilation", 1);
      p.done(2);
      if (!kernel || filters === null || groups === null || dilation === null) return null;
      if (dilation > 1 && (stride ?? 1) > 1) {
        out.push(
          error(
            "RN105",
            `'conv' takes dilation ${dilation} only with stride 1, got stride ${stride}`,
            cmd.span,
            "an atrous convolution keeps the size: use stride 1 (TensorFlow's rule), or dilation 1",
          ),
        );
        return null;
      }
      const conv = { op: "conv" as const, kernel, filters, stride: stride ?? 1, pad, bn, relu };
      return { ...conv, bias, groups, dilation, span };
    }
    case "se": {
      const reduction = p.int(0, "reduction ratio");
      p.done(1);
      return reduction === null ? null : { op: "se", reduction, span };
    }
    case "dropout": {
      const rate = p.probability(0, "dropout");
      p.done(1);
      return rate === null ? null : { op: "dropout", rate, span };
    }
    case "maxpool":
    case "avgpool": {
      const pool = p.kernel(0, "pool size");
      const stride = p.optInt("stride", pool ? pool[0] : 1);
      const pad = p.padding();
      p.done(1);
      if (!pool) return null;
      if (cmd.name === "maxpool" && typeof pad === "number" && pad >= Math.min(...pool)) {
        out.push(
          error(
            "RN120",
            `maxpool padding must be smaller than its ${pool.join("x")} window, got ${pad}`,
            cmd.span,
            "a window made only of padding has no maximum; PyTorch allows at most half the window",
          ),
        );
        return null;
      }
      return { op: cmd.name, pool, stride: stride ?? 1, pad, span };
    }
    case "global": {
      const w = p.word(0, ["avgpool", "maxpool"]);
      p.done(1);
      if (!w) return null;
      return { op: w === "avgpool" ? "globalavg" : "globalmax", span };
    }
    case "fc": {
      const units = p.int(0, "number of units");
      p.done(1);
      return units === null ? null : { op: "fc", units, span };
    }
    case "post": {
      const w = p.word(0, ["relu", "none"]);
      p.done(1);
      return w ? { op: "post", value: w as "relu" | "none", span } : null;
    }
    default:
      p.done(0);
      return { op: cmd.name as "bn" | "relu" | "softmax" | "flatten", span };
  }
}

function placeHint(name: string): string {
  if (name === "fc" || name === "softmax" || name === "flatten")
    return "put it in the model's `head { ... }`";
  if (name === "post") return "`post` says what follows a block's addition; use it inside `block`";
  if (name === "global") return "global pooling belongs in the head";
  return "";
}

/** Reads positional arguments and `name value` options of one command. */
class ArgReader {
  failed = false;
  private positional: Arg[] = [];
  private options = new Map<string, Arg>();
  private used = new Set<string>();

  constructor(
    private cmd: Command,
    private info: LayerInfo,
    private env: Env,
    private out: Diagnostic[],
  ) {
    for (const a of cmd.args) {
      const first = a.items[0];
      const key = first.kind === "expr" && first.expr.kind === "var" ? first.expr.name : null;
      const isOption =
        key !== null && (a.items.length > 1 || (info.options.includes(key) && !env.has(key)));
      if (isOption) {
        if (!info.options.includes(key!)) {
          this.report(
            "RN105",
            `'${cmd.name}' has no option '${key}'`,
            first.span,
            didYouMean(key!, info.options) ?? `usage: ${info.usage}`,
          );
          continue;
        }
        if (this.options.has(key!)) {
          this.report("RN105", `option '${key}' is given twice`, first.span);
          continue;
        }
        this.options.set(key!, a);
      } else {
        if (this.options.size > 0) {
          this.report(
            "RN105",
            `positional argument after options in '${cmd.name}'`,
            a.span,
            `usage: ${info.usage}`,
          );
          continue;
        }
        this.positional.push(a);
      }
    }
  }

  private report(code: Code, msg: string, span: Span, hint?: string) {
    this.failed = true;
    this.out.push(error(code, msg, span, hint));
  }

  private single(a: Arg, what: string): Item | null {
    if (a.items.length !== 1) {
      this.report(
        "RN105",
        `expected one value for the ${what}`,
        a.span,
        `usage: ${this.info.usage}`,
      );
      return null;
    }
    return a.items[0];
  }

  kernel(i: number, what: string): [number, number] | null {
    const a = this.positional[i];
    if (!a) {
      this.report(
        "RN105",
        `'${this.cmd.name}' needs a ${what}`,
        this.cmd.nameSpan,
        `usage: ${this.info.usage}`,
      );
      return null;
    }
    const it = this.single(a, what);
    if (!it) return null;
    if (it.kind === "dims") {
      if (it.dims.length !== 2) {
        this.report("RN105", `a ${what} has two numbers (KxK), got ${it.text}`, it.span);
        return null;
      }
      const [h, w] = it.dims;
      if (h < 1 || w < 1) {
        this.report("RN120", `${what} must be a positive integer, got ${it.text}`, it.span);
        return null;
      }
      return [h, w];
    }
    if (it.kind === "expr") {
      const v = positiveInt(evaluate(it.expr, this.env, this.out), what, it.span, this.out);
      return v === null ? null : [v, v];
    }
    this.report("RN105", `expected a ${what} such as 3x3`, it.span);
    return null;
  }

  int(i: number, what: string): number | null {
    const a = this.positional[i];
    if (!a) {
      this.report(
        "RN105",
        `'${this.cmd.name}' needs a ${what}`,
        this.cmd.nameSpan,
        `usage: ${this.info.usage}`,
      );
      return null;
    }
    const it = this.single(a, what);
    if (!it) return null;
    if (it.kind !== "expr") {
      this.report(
        "RN105",
        `expected a number for the ${what}`,
        it.span,
        `usage: ${this.info.usage}`,
      );
      return null;
    }
    return positiveInt(evaluate(it.expr, this.env, this.out), what, it.span, this.out);
  }

  /** A probability 0 <= P < 1 (RN122 otherwise). */
  probability(i: number, what: string): number | null {
    const a = this.positional[i];
    const it = a ? this.single(a, `${what} probability`) : null;
    if (!a || !it || it.kind !== "expr") {
      if (!this.failed)
        this.report(
          "RN105",
          `'${this.cmd.name}' needs a probability`,
          a?.span ?? this.cmd.nameSpan,
          `usage: ${this.info.usage}`,
        );
      return null;
    }
    return checkProbability(evaluate(it.expr, this.env, this.out), what, it.span, this.out);
  }

  word(i: number, words: string[]): string | null {
    const a = this.positional[i];
    const it = a?.items[0];
    const w = it?.kind === "expr" && it.expr.kind === "var" ? it.expr.name : null;
    if (!a || !w || !words.includes(w) || a.items.length !== 1) {
      this.report(
        "RN105",
        `'${this.cmd.name}' expects ${words.map((x) => `'${x}'`).join(" or ")}`,
        a?.span ?? this.cmd.nameSpan,
        (w && didYouMean(w, words)) || `usage: ${this.info.usage}`,
      );
      return null;
    }
    return w;
  }

  private optionValue(name: string): Item | null {
    const a = this.options.get(name);
    if (!a) return null;
    this.used.add(name);
    if (a.items.length !== 2) {
      this.report("RN105", `option '${name}' takes one value`, a.span, `usage: ${this.info.usage}`);
      return null;
    }
    return a.items[1];
  }

  optInt(name: string, dflt: number): number | null {
    const it = this.optionValue(name);
    if (!it) return dflt;
    if (it.kind !== "expr") {
      this.report("RN105", `option '${name}' takes a number`, it.span);
      return dflt;
    }
    return positiveInt(evaluate(it.expr, this.env, this.out), name, it.span, this.out);
  }

  padding(): Padding {
    const it = this.optionValue("pad");
    if (!it) return "auto";
    if (
      it.kind === "expr" &&
      it.expr.kind === "var" &&
      (it.expr.name === "same" || it.expr.name === "valid")
    ) {
      return it.expr.name;
    }
    if (it.kind === "expr") {
      const v = evaluate(it.expr, this.env, this.out);
      if (v === null) return "auto";
      if (!Number.isInteger(v) || v < 0) {
        this.report(
          "RN120",
          `padding must be 'same', 'valid' or a whole number >= 0, got ${v}`,
          it.span,
        );
        return "auto";
      }
      if (v > LIMITS.window) {
        this.report(
          "RN122",
          `padding of ${v} is over the limit of ${LIMITS.window}`,
          it.span,
          LIMIT_HINT,
        );
        return "auto";
      }
      return v;
    }
    this.report("RN105", "pad takes 'same', 'valid' or a number", it.span);
    return "auto";
  }

  onOff(name: string, dflt: boolean): boolean {
    const a = this.options.get(name);
    if (!a) return dflt;
    this.used.add(name);
    const v = a.items[1];
    const w = v?.kind === "expr" && v.expr.kind === "var" ? v.expr.name : null;
    if (a.items.length !== 2 || (w !== "none" && w !== name)) {
      this.report("RN105", `write '${name} none' to leave the ${name} out`, a.span);
      return dflt;
    }
    return w === name;
  }

  flag(name: string): boolean {
    const a = this.options.get(name);
    if (!a) return false;
    this.used.add(name);
    if (a.items.length === 1) return true;
    const v = a.items[1];
    if (
      a.items.length === 2 &&
      v.kind === "expr" &&
      v.expr.kind === "var" &&
      v.expr.name === "none"
    )
      return false;
    this.report("RN105", `'${name}' takes no value (or 'none')`, a.span);
    return false;
  }

  done(maxPositional: number) {
    for (let i = maxPositional; i < this.positional.length; i++) {
      this.report(
        "RN105",
        `'${this.cmd.name}' takes ${maxPositional === 0 ? "no arguments" : `${maxPositional} argument${maxPositional > 1 ? "s" : ""} before its options`}`,
        this.positional[i].span,
        `usage: ${this.info.usage}`,
      );
    }
  }
}

/** A drop probability: 0 <= P < 1 (P = 1 would drop everything), or RN122. */
export function checkProbability(
  v: number | null,
  what: string,
  span: Span,
  out: Diagnostic[],
): number | null {
  if (v === null) return null;
  if (!(v >= 0 && v < 1)) {
    out.push(
      error(
        "RN123",
        `a ${what} probability must be at least 0 and below 1, got ${fmt(v)}`,
        span,
        "write the probability of dropping, e.g. 0.3 (Wide ResNet's dropout) or 0.1",
      ),
    );
    return null;
  }
  return v;
}
