// resnetc train FILE: compile and train in one command. Defaults come from the spec's `train`
// section; flags override them. Checkpoints every epoch; --resume continues; Ctrl-C exits 130.
// --weights starts from a torchvision state dict (fine-tuning: a classifier for another number of
// classes is re-initialised; torchvision's ImageNet normalisation is used), --freeze keeps stages fixed.
import { basename, join, relative } from "node:path";
import { analyze, estimateTrainingBytes, largestBatchWithin } from "../../compiler/ir/analysis.js";
import { lower, modelName } from "../../compiler/targets/tfjs/lower.js";
import type { IrGraph } from "../../compiler/ir/types.js";
import type { TrainRecipe } from "../../compiler/recipe.js";
import { heapLimitBytes } from "../../runtime/backends/index.js";
import { openDataSource } from "../../runtime/data/index.js";
import {
  IMAGENET_PREPROCESS,
  PREPROCESS_FILE,
  imagenetNormalised,
  preprocessToJSON,
} from "../../runtime/io/preprocess.js";
import { withClasses } from "../../runtime/io/torchvision.js";
import {
  PARALLEL_BACKENDS,
  autoWorkers,
  freezeLayers,
  shares,
  train,
} from "../../runtime/train/index.js";
import { useBackend } from "../backend.js";
import { interruptOnSigint } from "../interrupt.js";
import { createProgress, defaultProgressMode, type ProgressMode } from "../progress.js";
import { parallelOptions, trainedModelFiles } from "../model-files.js";
import { compileAll, type CompileFlags } from "../compile.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { onlyGraph } from "../select-one.js";
import { int } from "../text-table.js";
import { bindWeights, frozenLayers, readWeights } from "../weights.js";

export interface TrainFlags extends CompileFlags {
  data?: string;
  epochs?: string;
  iterations?: string;
  batchSize?: string;
  lr?: string;
  backend?: string;
  out?: string;
  resume?: boolean;
  seed?: string;
  progress?: string;
  corrupt?: string;
  workers?: string;
  weights?: string;
  freeze?: string;
}

export function positiveNumber(
  flag: string,
  v: string | undefined,
  integer: boolean,
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `${flag} must be a positive ${integer ? "whole number" : "number"}, got '${v}'`,
    );
  }
  return n;
}

export function applyOverrides(recipe: TrainRecipe, flags: TrainFlags): TrainRecipe {
  const r = structuredClone(recipe);
  const epochs = positiveNumber("--epochs", flags.epochs, true);
  const batch = positiveNumber("--batch-size", flags.batchSize, true);
  const lr = positiveNumber("--lr", flags.lr, false);
  if (epochs !== undefined) {
    r.epochs = epochs;
    r.stopIteration = null; // the user asked for a number of epochs
  }
  const iterations = positiveNumber("--iterations", flags.iterations, true);
  if (iterations !== undefined) r.stopIteration = iterations;
  if (batch !== undefined) r.batchSize = batch;
  if (lr !== undefined) r.lr = lr;
  if (flags.data !== undefined) r.data = flags.data;
  return r;
}

export async function trainCommand(
  o: Output,
  file: string,
  flags: TrainFlags,
  setExit: (c: number) => void,
): Promise<void> {
  const {
    graph: spec,
    recipe: specRecipe,
    result,
  } = onlyGraph(compileAll(o, [file], flags), "train");
  const recipe = applyOverrides(specRecipe, flags);
  const seed = positiveNumber("--seed", flags.seed, true) ?? 1;
  const progress = flags.progress as ProgressMode | undefined;
  if (progress !== undefined && !["bar", "lines", "none"].includes(progress))
    throw new UsageError(`--progress must be bar, lines or none, got '${progress}'`);
  if (!recipe.data) {
    throw new UsageError(
      "no data: the spec's train section has no `data` line and --data was not given",
      "use --data mnist, --data cifar10:DIR or --data folder:DIR",
    );
  }
  // --freeze overrides the spec's `freeze` setting.
  const freeze = flags.freeze ?? recipe.freeze?.join(",");
  const frozen = freeze === undefined ? null : frozenLayers(spec, freeze);
  const weights = flags.weights === undefined ? null : await readWeights(flags.weights);
  if (weights !== null) recipe.normalize = "per_pixel_mean"; // the ImageNet mean, see below
  let graph = spec;
  const backend = await useBackend(o, flags.backend);
  const a = analyze(graph);
  const title = graphTitle(graph);
  o.err(
    `model ${title}: ${a.depth} layers, ${int(a.params)} params, ${int(a.multiplyAdds)} multiply-adds per image`,
  );

  const split = planWorkers(o, [graph], recipe.batchSize, backend, flags.workers);

  const data = await openDataSource(recipe.data, {
    imageSize: [graph.input[0], graph.input[1]],
    corrupt: flags.corrupt === "skip" ? "skip" : "stop",
    onWarning: (m) => o.err(`warning: ${m}`),
  });
  if (data.shape.join("x") !== graph.input.join("x")) {
    throw new CliError(
      `the model's input is ${graph.input.join("x")} but ${data.name} gives ${data.shape.join("x")} examples`,
      EXIT.user,
      `change the spec's \`input\` to ${data.shape.join("x")}`,
    );
  }
  const classes = graph.nodes[graph.logits].shape[0];
  if (weights !== null) {
    const k = data.classes.length;
    if (classes !== k) graph = withClasses(graph, k);
    graph = bindWeights(o, graph, weights, { skipClassifier: classes !== k });
    o.err(
      classes === k
        ? `weights: every tensor of the network loaded from ${weights.file}`
        : `weights: loaded from ${weights.file}, except the classifier: ${classes} classes there, ${k} in ${data.name}, so it starts from He initialisation`,
    );
  } else if (classes !== data.classes.length) {
    throw new CliError(
      `the model's classifier has ${classes} outputs but ${data.name} has ${data.classes.length} classes`,
      EXIT.user,
      `change the head's fc to \`fc ${data.classes.length}\``,
    );
  }
  o.err(
    `data ${data.name}: ${int(data.train.size)} training and ${int(data.test.size)} test examples, ${data.classes.length} classes`,
  );

  const outDir = flags.out ?? join("runs", modelName(graph));
  const model = lower(graph, { seed });
  if (frozen !== null) {
    freezeLayers(model, frozen.layers);
    o.err(
      `freeze ${frozen.groups.join(", ")}: ${frozen.layers.size} layers keep their weights and batch-norm statistics`,
    );
  }
  const specText = result.program.sources.get(result.program.entry) ?? "";
  const modelFiles = trainedModelFiles(graph, specText, data, backend, split.length);
  if (weights !== null) modelFiles[PREPROCESS_FILE] = preprocessToJSON(IMAGENET_PREPROCESS);
  const again = [
    graph.variant !== null ? ` --variant ${graph.variant}` : "",
    weights !== null ? ` --weights ${flags.weights}` : "",
    flags.freeze !== undefined ? ` --freeze ${flags.freeze}` : "",
    flags.data !== undefined ? ` --data ${flags.data}` : "",
  ].join("");
  const log = (l: string) => o.err(l);
  const interrupt = interruptOnSigint(log);
  const res = await train({
    model,
    graph,
    data: weights === null ? data : imagenetNormalised(data),
    recipe,
    outDir,
    seed,
    resume: Boolean(flags.resume),
    log,
    signal: interrupt.signal,
    parallel: parallelOptions(backend, split.length),
    progress: createProgress(progress ?? defaultProgressMode(), log),
    extraModelFiles: modelFiles,
    resumeCommand: `resnetc train ${relative(o.cwd, file) || basename(file)}${again} --out ${outDir} --resume`,
  }).finally(() => interrupt.dispose());
  if (res.interrupted) {
    setExit(EXIT.interrupted);
    return;
  }
  const f = res.final;
  if (f) {
    o.out(
      `trained ${title} for ${res.epochs} epochs (${int(res.iteration)} iterations): test top-1 error ${(100 * f.testTop1Error).toFixed(2)}%` +
        (f.testTop5Error !== null && f.testTop5Error !== undefined
          ? `, top-5 ${(100 * f.testTop5Error).toFixed(2)}%`
          : "") +
        `; model in ${res.modelDir}`,
    );
  }
}

/**
 * How many threads share each batch (--workers), said in one line when more than one, and the check
 * that a share of the batch fits in one thread's heap for every network. Returns the share sizes.
 */
export function planWorkers(
  o: Output,
  graphs: IrGraph[],
  batchSize: number,
  backend: string,
  flag: string | undefined,
): number[] {
  const split = shares(batchSize, workerCount(flag, backend, batchSize));
  if (split.length > 1) {
    o.err(
      `workers ${split.length}: each batch of ${batchSize} split ${split.join(" + ")} over this thread and ` +
        `${split.length - 1} worker thread${split.length > 2 ? "s" : ""} (batch norm per share; --workers 1 for one thread)`,
    );
  }
  // Every thread has its own heap and holds at most the largest share.
  const limit = heapLimitBytes(backend);
  if (limit === null) return split;
  for (const graph of graphs) {
    const need = estimateTrainingBytes(graph, split[0]!);
    if (need <= limit) continue;
    const fits = largestBatchWithin(graph, limit) * split.length;
    throw new CliError(
      `${graphTitle(graph)} at batch ${batchSize}${split.length > 1 ? ` (${split[0]} per worker)` : ""} needs about ${gib(need)} GiB for a training step, more than the ${backend} backend's ${gib(limit)} GiB`,
      EXIT.user,
      fits > 0
        ? `use --batch-size ${fits} or smaller, or a GPU backend (--backend gpu / webgpu)`
        : "this network does not fit even at batch 1: use a GPU backend",
    );
  }
  return split;
}

export function graphTitle(g: IrGraph): string {
  return g.variant === null ? g.name : `${g.name} ${g.variant}`;
}

/** --workers: auto (the default) or a whole number; more than one only where it helps (wasm, cpu). */
export function workerCount(flag: string | undefined, backend: string, batchSize: number): number {
  if (flag === undefined || flag === "auto") return autoWorkers(backend, batchSize);
  const n = Number(flag);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError(`--workers must be auto or a positive whole number, got '${flag}'`);
  }
  if (n > 1 && !PARALLEL_BACKENDS.includes(backend)) {
    throw new UsageError(
      `--workers ${n} applies to the ${PARALLEL_BACKENDS.join(" and ")} backends, not ${backend}`,
      "a GPU backend runs the whole batch at once: leave --workers out",
    );
  }
  if (n > batchSize) {
    throw new UsageError(`--workers ${n} is more than the batch size ${batchSize}`);
  }
  return n;
}

function gib(b: number): string {
  return (b / 2 ** 30).toFixed(1);
}
