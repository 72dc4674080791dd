// The compiler's front door: a spec file -> checked graphs for the selected models and variants,
// plus every diagnostic. Nothing here prints; the CLI renders the diagnostics.
import { displayPath, sortDiagnostics, error, type Diagnostic } from "../grammar/diagnostic.js";
import { didYouMean } from "../grammar/suggest.js";
import { expandModel, variantKeys } from "./expand.js";
import type { ModelInstance } from "./instance.js";
import type { IrGraph } from "./ir/types.js";
import { mergeModel } from "./model-statements.js";
import { loadProgram, type LoadOptions, type Program } from "./program.js";
import { runRules } from "./rules/index.js";
import { analyze } from "./ir/analysis.js";
import { LIMIT_HINT, LIMITS } from "./limits.js";
import { runPasses } from "./passes/index.js";
import { inferShapes } from "./passes/infer-shapes.js";
import type { TrainRecipe } from "./recipe.js";

export interface Selection {
  /** Only this model of the file (by name). */
  model?: string;
  /** Only this variant (e.g. "50"); with several models, every model that has it. */
  variant?: string;
}

export interface CheckResult {
  program: Program;
  instances: ModelInstance[];
  graphs: IrGraph[];
  /** Each graph's training recipe (the spec's `train` section): the run's, not the graph's. */
  recipes: Map<IrGraph, TrainRecipe>;
  diagnostics: Diagnostic[];
  ok: boolean;
}

export interface CheckOptions {
  /** Run the IR verifier after shape inference and every pass (the specs turn it on). */
  verify?: boolean;
  /** Stops the check between networks (an editor cancelling a stale request): throws its reason. */
  signal?: AbortSignal;
}

export function checkFile(
  path: string,
  sel: Selection = {},
  opts: LoadOptions & CheckOptions = {},
): CheckResult {
  const program = loadProgram(path, opts);
  return checkProgram(program, sel, opts);
}

export function checkProgram(
  program: Program,
  sel: Selection = {},
  opts: CheckOptions = {},
): CheckResult {
  const out: Diagnostic[] = [...program.diagnostics];
  const instances: ModelInstance[] = [];
  const graphs: IrGraph[] = [];
  const recipes = new Map<IrGraph, TrainRecipe>();
  if (!program.syntaxErrors) {
    out.push(...runRules(program));
    let models = program.entryModels;
    if (models.length === 0 && !out.some((d) => d.severity === "error")) {
      out.push(
        error(
          "RN012",
          "this file defines no model",
          { file: program.entry, start: 0, end: 0, line: 1, col: 1 },
          "add `model NAME { ... }`, or check a file that has one",
        ),
      );
    }
    if (sel.model !== undefined) {
      const m = models.find((x) => x.name === sel.model);
      if (!m)
        out.push(
          selectionError(
            `no model '${sel.model}' in ${displayPath(program.entry, program.cwd)}`,
            didYouMean(
              sel.model,
              models.map((x) => x.name),
            ) ?? `models: ${models.map((x) => x.name).join(", ")}`,
          ),
        );
      models = m ? [m] : [];
    }
    let variantFound = sel.variant === undefined;
    const allKeys = new Set<string>();
    for (const decl of models) {
      const merged = mergeModel(decl, program.models, out, program.cwd);
      if (!merged) continue;
      const keys = variantKeys(merged, out);
      keys.forEach((k) => k !== null && allKeys.add(k));
      for (const key of keys) {
        if (sel.variant !== undefined && key !== sel.variant) continue;
        opts.signal?.throwIfAborted();
        variantFound = true;
        const inst = expandModel(program, merged, key, out);
        if (!inst) continue;
        instances.push(inst);
        const g = inferShapes(inst, out);
        if (!g || !withinParamLimit(g, inst, out)) continue;
        // The graph every target builds from; the executor's passes run where it is built.
        const done = runPasses(g, [], { verify: opts.verify });
        graphs.push(done);
        recipes.set(done, inst.recipe);
      }
    }
    if (!variantFound && !out.some((d) => d.severity === "error")) {
      out.push(
        selectionError(
          `unknown variant '${sel.variant}'`,
          didYouMean(sel.variant!, allKeys) ??
            (allKeys.size
              ? `variants: ${[...allKeys].join(", ")}`
              : "this file's models have no variants"),
        ),
      );
    }
  }
  const diagnostics = sortDiagnostics(mergeVariants(out));
  const ok = !diagnostics.some((d) => d.severity === "error");
  // Graphs are only handed out for a spec without errors.
  return {
    program,
    instances: ok ? instances : [],
    graphs: ok ? graphs : [],
    recipes: ok ? recipes : new Map(),
    diagnostics,
    ok,
  };
}

/** A network whose weights alone would not fit in memory is an error at its model line. */
function withinParamLimit(g: IrGraph, inst: ModelInstance, out: Diagnostic[]): boolean {
  const params = analyze(g).params;
  if (params <= LIMITS.params) return true;
  const d = error(
    "RN122",
    `'${inst.name}' has ${params.toExponential(2)} parameters, over the limit of ${LIMITS.params.toExponential(0)}`,
    inst.span,
    LIMIT_HINT,
  );
  out.push(inst.variant === null ? d : { ...d, variant: inst.variant });
  return false;
}

function selectionError(message: string, hint?: string): Diagnostic {
  return error("RN108", message, null, hint);
}

/** The same error in several variants becomes one diagnostic naming them all: "(variants 20, 32)". */
function mergeVariants(ds: Diagnostic[]): Diagnostic[] {
  const groups = new Map<string, { d: Diagnostic; variants: string[] }>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    if (d.variant === undefined) {
      out.push(d);
      continue;
    }
    const key = `${d.code}|${d.span?.file}|${d.span?.start}|${d.message}`;
    const g = groups.get(key);
    if (g) {
      if (!g.variants.includes(d.variant)) g.variants.push(d.variant);
      continue;
    }
    const { variant, ...rest } = d;
    const entry = { d: rest, variants: [variant] };
    groups.set(key, entry);
    out.push(entry.d);
  }
  for (const { d, variants } of groups.values())
    d.message += ` (variant${variants.length > 1 ? "s" : ""} ${variants.join(", ")})`;
  return out;
}
