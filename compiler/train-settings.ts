// The `train { ... }` section: each command sets part of the TrainRecipe. Unknown settings are
// RN141 (with a suggestion); impossible values (negative lr, zero batch) are RN140.
import {
  printExpr,
  type Arg,
  type Command,
  type Expr,
  type Item,
  type Span,
} from "../grammar/ast.js";
import { error, type Diagnostic } from "../grammar/diagnostic.js";
import { didYouMean } from "../grammar/suggest.js";
import { evaluate, fmt, type Env } from "./evaluate.js";
import { DEFAULT_RECIPE, type TrainRecipe } from "./recipe.js";

export const TRAIN_SETTINGS: Record<string, string> = {
  data: 'data mnist | data "cifar10:DIR" | data "folder:DIR"',
  sgd: "sgd [momentum M] [, weight_decay W] [, nesterov]",
  momentum: "momentum M",
  weight_decay: "weight_decay W",
  batch: "batch N",
  epochs: "epochs N",
  lr: "lr X [, divide F at epochs [E1, E2, ...]] | [, divide F at iterations [I1, ...]]",
  warmup: "warmup lr X, iterations N [, until_error E]",
  stop: "stop at iteration N | stop at epoch N",
  augment: "augment [pad P] [, random_crop S] [, flip horizontal] [, scale MIN..MAX]",
  normalize: "normalize per_pixel_mean | none",
  freeze: "freeze GROUP[..GROUP] [, GROUP...]   (e.g. freeze conv1..conv4)",
};

/**
 * The train section -> a recipe. `groups`: the model's stem groups and stages in order, which
 * `freeze` may name.
 */
export function buildRecipe(
  settings: Command[],
  env: Env,
  out: Diagnostic[],
  groups: string[] = [],
): TrainRecipe {
  const r: TrainRecipe = structuredClone(DEFAULT_RECIPE);
  let schedule: { factor: number; unit: "iteration" | "epoch"; milestones: number[] } | null = null;
  for (const s of settings) {
    const ctx = new SettingReader(s, env, out);
    switch (s.name) {
      case "data": {
        const it = ctx.onlyItem(0);
        if (it?.kind === "string") r.data = it.value;
        else if (it?.kind === "expr" && it.expr.kind === "var") r.data = it.expr.name;
        else if (it) ctx.bad(it.span, 'data takes a source: mnist, "cifar10:DIR" or "folder:DIR"');
        break;
      }
      case "sgd":
        for (const a of s.args) {
          const key = ctx.key(a);
          if (key === "momentum") r.momentum = ctx.range(a, 0, 1, "momentum", true) ?? r.momentum;
          else if (key === "weight_decay")
            r.weightDecay = ctx.nonneg(a, "weight_decay") ?? r.weightDecay;
          else if (key === "nesterov" && a.items.length === 1) r.nesterov = true;
          else ctx.unknownOption(a, ["momentum", "weight_decay", "nesterov"]);
        }
        break;
      case "momentum":
        r.momentum = ctx.range(ctx.argAsValue(), 0, 1, "momentum", true) ?? r.momentum;
        break;
      case "weight_decay":
        r.weightDecay = ctx.nonneg(ctx.argAsValue(), "weight_decay") ?? r.weightDecay;
        break;
      case "batch":
        r.batchSize = ctx.posInt(ctx.argAsValue(), "batch size") ?? r.batchSize;
        break;
      case "epochs":
        r.epochs = ctx.posInt(ctx.argAsValue(), "epochs") ?? r.epochs;
        break;
      case "lr": {
        const [first, ...rest] = s.args;
        if (!first) {
          ctx.bad(s.nameSpan, "lr needs a value, e.g. lr 0.1");
          break;
        }
        r.lr = ctx.positive(first, "learning rate") ?? r.lr;
        for (const a of rest) {
          // divide F at epochs [..] | divide F at iterations [..]
          const words = a.items.map((i) =>
            i.kind === "expr" && i.expr.kind === "var" ? i.expr.name : null,
          );
          if (
            words[0] !== "divide" ||
            words[2] !== "at" ||
            a.items.length !== 5 ||
            a.items[4].kind !== "list"
          ) {
            ctx.bad(
              a.span,
              "expected 'divide F at epochs [E1, E2, ...]' or 'divide F at iterations [I1, ...]'",
            );
            continue;
          }
          const f = ctx.num(a.items[1]);
          const unitWord = words[3];
          const unit =
            unitWord === "epochs" || unitWord === "epoch"
              ? "epoch"
              : unitWord === "iterations" || unitWord === "iteration"
                ? "iteration"
                : null;
          if (!unit) {
            ctx.bad(a.items[3].span, `expected 'epochs' or 'iterations', got '${unitWord ?? "?"}'`);
            continue;
          }
          if (f !== null && f <= 1) {
            out.push(
              error(
                "RN140",
                `the learning rate must be divided by more than 1, got ${fmt(f)}`,
                a.items[1].span,
                "the paper divides by 10",
              ),
            );
            continue;
          }
          const list = a.items[4];
          const ms: number[] = [];
          for (const e of list.items) {
            const v = evaluate(e, env, out);
            if (v === null) continue;
            if (!Number.isInteger(v) || v < 1)
              out.push(
                error("RN140", `milestones must be positive whole numbers, got ${fmt(v)}`, e.span),
              );
            else if (ms.length && v <= ms[ms.length - 1])
              out.push(
                error(
                  "RN140",
                  `milestones must increase, got ${fmt(v)} after ${ms[ms.length - 1]}`,
                  e.span,
                ),
              );
            else ms.push(v);
          }
          schedule = { factor: f ? 1 / f : 0.1, unit, milestones: ms };
        }
        break;
      }
      case "warmup": {
        const w = { lr: 0.01, iterations: 0, untilTrainError: undefined as number | undefined };
        for (const a of s.args) {
          const key = ctx.key(a);
          if (key === "lr") w.lr = ctx.positive(a, "warm-up learning rate") ?? w.lr;
          else if (key === "iterations") w.iterations = ctx.posInt(a, "warm-up iterations") ?? 0;
          else if (key === "until_error")
            w.untilTrainError = ctx.range(a, 0, 1, "until_error", false);
          else ctx.unknownOption(a, ["lr", "iterations", "until_error"]);
        }
        if (w.iterations === 0) ctx.bad(s.nameSpan, "warmup needs 'iterations N'");
        r.warmup = {
          lr: w.lr,
          iterations: w.iterations,
          ...(w.untilTrainError !== undefined ? { untilTrainError: w.untilTrainError } : {}),
        };
        break;
      }
      case "stop": {
        const a = s.args[0];
        const words =
          a?.items.map((i) => (i.kind === "expr" && i.expr.kind === "var" ? i.expr.name : null)) ??
          [];
        if (!a || words[0] !== "at" || a.items.length !== 3 || s.args.length !== 1) {
          ctx.bad(a?.span ?? s.nameSpan, "expected 'stop at iteration N' or 'stop at epoch N'");
          break;
        }
        const v = ctx.num(a.items[2]);
        if (v === null) break;
        if (!Number.isInteger(v) || v < 1) {
          out.push(
            error("RN140", `stop must be a positive whole number, got ${fmt(v)}`, a.items[2].span),
          );
          break;
        }
        if (words[1] === "iteration" || words[1] === "iterations") r.stopIteration = v;
        else if (words[1] === "epoch" || words[1] === "epochs") r.epochs = v;
        else ctx.bad(a.items[1].span, "expected 'iteration' or 'epoch'");
        break;
      }
      case "augment":
        for (const a of s.args) {
          const key = ctx.key(a);
          if (key === "pad") r.augment.pad = ctx.nonnegInt(a, "pad");
          else if (key === "random_crop") r.augment.randomCrop = ctx.posInt(a, "random_crop") ?? 0;
          else if (key === "flip") {
            const w = a.items[1];
            if (
              a.items.length === 1 ||
              (a.items.length === 2 &&
                w.kind === "expr" &&
                w.expr.kind === "var" &&
                w.expr.name === "horizontal")
            )
              r.augment.flip = true;
            else ctx.bad(a.span, "write 'flip horizontal' (or just 'flip')");
          } else if (key === "scale") {
            const it = a.items[1];
            if (a.items.length !== 2 || it.kind !== "range") {
              ctx.bad(a.span, "write 'scale MIN..MAX', e.g. scale 256..480");
              continue;
            }
            const lo = evaluate(it.from, env, out);
            const hi = evaluate(it.to, env, out);
            if (lo === null || hi === null) continue;
            if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
              out.push(
                error(
                  "RN140",
                  `scale must be whole sizes MIN..MAX with 1 <= MIN <= MAX, got ${fmt(lo)}..${fmt(hi)}`,
                  it.span,
                ),
              );
              continue;
            }
            r.augment.scale = [lo, hi];
          } else ctx.unknownOption(a, ["pad", "random_crop", "flip", "scale"]);
        }
        break;
      case "freeze":
        r.freeze = freezeGroups(s, groups, ctx);
        break;
      case "normalize": {
        const it = ctx.onlyItem(0);
        const w = it?.kind === "expr" && it.expr.kind === "var" ? it.expr.name : null;
        if (w === "per_pixel_mean" || w === "none") r.normalize = w;
        else if (it) ctx.bad(it.span, "normalize takes 'per_pixel_mean' or 'none'");
        break;
      }
      default:
        out.push(
          error(
            "RN141",
            `unknown training setting '${s.name}'`,
            s.nameSpan,
            didYouMean(s.name, Object.keys(TRAIN_SETTINGS)) ??
              `settings: ${Object.keys(TRAIN_SETTINGS).join(", ")}`,
          ),
        );
    }
  }
  if (schedule) r.schedule = schedule;
  return r;
}

/** `freeze conv1..conv4` / `freeze conv1, conv2`: the groups named, in the model's order. */
function freezeGroups(s: Command, groups: string[], ctx: SettingReader): string[] | null {
  const picked = new Set<number>();
  const index = (e: Expr): number | null => {
    const i = e.kind === "var" ? groups.indexOf(e.name) : -1;
    if (i < 0 || groups[i] === "head") {
      ctx.bad(
        e.span,
        `freeze names no stem group or stage '${printExpr(e)}' (groups: ${groups.filter((g) => g !== "head").join(", ")})`,
      );
      return null;
    }
    return i;
  };
  for (const a of s.args) {
    const it = a.items[0];
    if (a.items.length !== 1 || !it || (it.kind !== "range" && it.kind !== "expr")) {
      ctx.bad(a.span, "freeze takes group names or a range, e.g. freeze conv1..conv4");
      return null;
    }
    const from = index(it.kind === "range" ? it.from : it.expr);
    const to = index(it.kind === "range" ? it.to : it.expr);
    if (from === null || to === null) return null;
    if (to < from) {
      ctx.bad(it.span, "this freeze range runs backwards");
      return null;
    }
    for (let i = from; i <= to; i++) picked.add(i);
  }
  if (picked.size === 0) ctx.bad(s.nameSpan, "freeze names no group");
  return picked.size ? [...picked].sort((x, y) => x - y).map((i) => groups[i]!) : null;
}

class SettingReader {
  constructor(
    private s: Command,
    private env: Env,
    private out: Diagnostic[],
  ) {}

  bad(span: Span, msg: string) {
    this.out.push(error("RN140", msg, span, `usage: ${TRAIN_SETTINGS[this.s.name]}`));
  }

  key(a: Arg): string | null {
    const it = a.items[0];
    return it.kind === "expr" && it.expr.kind === "var" ? it.expr.name : null;
  }

  unknownOption(a: Arg, options: string[]) {
    const k = this.key(a);
    this.out.push(
      error(
        "RN141",
        `'${this.s.name}' has no option '${k ?? "?"}'`,
        a.items[0].span,
        (k && didYouMean(k, options)) || `usage: ${TRAIN_SETTINGS[this.s.name]}`,
      ),
    );
  }

  onlyItem(i: number): Item | null {
    const a = this.s.args[i];
    if (!a || a.items.length !== 1 || this.s.args.length !== 1) {
      this.bad(a?.span ?? this.s.nameSpan, `expected: ${TRAIN_SETTINGS[this.s.name]}`);
      return null;
    }
    return a.items[0];
  }

  /** `batch 128`: the whole command's single argument as a value-holding Arg. */
  argAsValue(): Arg | null {
    const a = this.s.args[0];
    if (!a || this.s.args.length !== 1 || a.items.length !== 1) {
      this.bad(a?.span ?? this.s.nameSpan, `expected: ${TRAIN_SETTINGS[this.s.name]}`);
      return null;
    }
    return { items: [a.items[0], a.items[0]], span: a.span };
  }

  num(it: Item): number | null {
    if (it.kind !== "expr") {
      this.bad(it.span, "expected a number");
      return null;
    }
    return evaluate(it.expr, this.env, this.out);
  }

  /** The value of `key VALUE` (or of the first item when the whole command is the value). */
  private value(a: Arg | null): { v: number | null; span: Span } | null {
    if (!a) return null;
    const it = a.items.length === 2 ? a.items[1] : a.items.length === 1 ? a.items[0] : null;
    if (!it) {
      this.bad(a.span, "expected one value");
      return null;
    }
    return { v: this.num(it), span: it.span };
  }

  positive(a: Arg | null, what: string): number | null {
    const x = this.value(a);
    if (!x || x.v === null) return null;
    if (!(x.v > 0)) {
      this.out.push(error("RN140", `${what} must be greater than 0, got ${fmt(x.v)}`, x.span));
      return null;
    }
    return x.v;
  }

  posInt(a: Arg | null, what: string): number | null {
    const x = this.value(a);
    if (!x || x.v === null) return null;
    if (!Number.isInteger(x.v) || x.v < 1) {
      this.out.push(
        error("RN140", `${what} must be a positive whole number, got ${fmt(x.v)}`, x.span),
      );
      return null;
    }
    return x.v;
  }

  nonnegInt(a: Arg | null, what: string): number {
    const x = this.value(a);
    if (!x || x.v === null) return 0;
    if (!Number.isInteger(x.v) || x.v < 0) {
      this.out.push(error("RN140", `${what} must be a whole number >= 0, got ${fmt(x.v)}`, x.span));
      return 0;
    }
    return x.v;
  }

  nonneg(a: Arg | null, what: string): number | undefined {
    const x = this.value(a);
    if (!x || x.v === null) return undefined;
    if (x.v < 0) {
      this.out.push(error("RN140", `${what} must be >= 0, got ${fmt(x.v)}`, x.span));
      return undefined;
    }
    return x.v;
  }

  range(a: Arg | null, lo: number, hi: number, what: string, hiOpen: boolean): number | undefined {
    const x = this.value(a);
    if (!x || x.v === null) return undefined;
    if (x.v < lo || (hiOpen ? x.v >= hi : x.v > hi)) {
      this.out.push(
        error(
          "RN140",
          `${what} must be in [${lo}, ${hi}${hiOpen ? ")" : "]"}, got ${fmt(x.v)}`,
          x.span,
        ),
      );
      return undefined;
    }
    return x.v;
  }
}
