// resnetc compare SPEC[:VARIANT]...: train several networks with the same data, seed and recipe
// (the first spec's train section, overridden by the flags, as in `resnetc train`), one after
// another, each in its own run directory under --out; then chart their training and test error per
// epoch (OUT/compare.svg, OUT/compare.png) and tabulate the final errors (OUT/compare.md) - the
// paper's Fig. 4 and Fig. 6 for any set of specs.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { analyze } from "../../compiler/ir/analysis.js";
import type { IrGraph } from "../../compiler/ir/types.js";
import { lower, modelName } from "../../compiler/targets/tfjs/lower.js";
import type { TrainRecipe } from "../../compiler/recipe.js";
import {
  errorChartSvg,
  finalErrors,
  finalErrorsMarkdown,
  runSeries,
} from "../../runtime/charts/index.js";
import { openDataSource } from "../../runtime/data/index.js";
import { checkpointDir, hasCheckpoint } from "../../runtime/io/checkpoint.js";
import type { EpochMetrics } from "../../runtime/train/metrics.js";
import { train } from "../../runtime/train/index.js";
import { interruptOnSigint } from "../interrupt.js";
import { createProgress, defaultProgressMode, type ProgressMode } from "../progress.js";
import { useBackend } from "../backend.js";
import { parallelOptions, trainedModelFiles } from "../model-files.js";
import { compileAll } from "../compile.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { int } from "../text-table.js";
import { applyOverrides, graphTitle, planWorkers, positiveNumber } from "./train.js";
import { finalErrorsText, writeChart } from "./plot.js";

export interface CompareFlags {
  data?: string;
  epochs?: string;
  iterations?: string;
  batchSize?: string;
  lr?: string;
  out?: string;
  seed?: string;
  backend?: string;
  workers?: string;
  resume?: boolean;
  progress?: string;
  ymax?: string;
}

export interface Network {
  /** The argument as given. */
  arg: string;
  file: string;
  graph: IrGraph;
  recipe: TrainRecipe;
  specText: string;
  /** Run directory name under --out (the model's name, e.g. mnist_plain_20). */
  dir: string;
}

/**
 * Splits `SPEC[:VARIANT]`: an argument naming an existing file is the file; otherwise the text after
 * the last colon is the variant (examples/cifar/plain.resnet:20).
 */
export function parseSpecArg(arg: string, cwd: string): { file: string; variant?: string } {
  if (existsSync(join(cwd, arg)) || existsSync(arg)) return { file: arg };
  const m = /^(.+):([^:/\\]+)$/.exec(arg);
  if (m) return { file: m[1]!, variant: m[2]! };
  return { file: arg };
}

/** Compiles every argument to exactly one network; run directory names are made unique. */
export function compileNetworks(o: Output, args: string[]): Network[] {
  const nets: Network[] = [];
  const used = new Map<string, number>();
  for (const arg of args) {
    const { file, variant } = parseSpecArg(arg, o.cwd);
    const results = compileAll(o, [file], variant === undefined ? {} : { variant });
    const all = results.flatMap((r) => r.graphs.map((graph) => ({ graph, result: r })));
    if (all.length !== 1) {
      const names = all.map(({ graph: g }) =>
        g.variant === null ? g.name : `${g.name} ${g.variant}`,
      );
      throw new UsageError(
        `compare needs one network per argument, but ${arg} describes ${all.length}: ${names.join(", ")}`,
        `name a variant after a colon, e.g. ${file}:${all.find((x) => x.graph.variant !== null)?.graph.variant ?? "VARIANT"}`,
      );
    }
    const { graph, result } = all[0]!;
    const base = modelName(graph);
    const k = (used.get(base) ?? 0) + 1;
    used.set(base, k);
    nets.push({
      arg,
      file,
      graph,
      recipe: result.recipes.get(graph)!,
      specText: result.program.sources.get(result.program.entry) ?? "",
      dir: k === 1 ? base : `${base}_${k}`,
    });
  }
  return nets;
}

/** The shared recipe: the first network's train section with the flags applied. */
export function compareRecipe(first: TrainRecipe, flags: CompareFlags): TrainRecipe {
  const r = applyOverrides(first, {
    ...(flags.data !== undefined ? { data: flags.data } : {}),
    ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
    ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
    ...(flags.lr !== undefined ? { lr: flags.lr } : {}),
  });
  const iterations = positiveNumber("--iterations", flags.iterations, true);
  if (iterations !== undefined) r.stopIteration = iterations;
  return r;
}

const title = graphTitle;

export async function compareCommand(
  o: Output,
  args: string[],
  flags: CompareFlags,
  setExit: (c: number) => void,
): Promise<void> {
  const nets = compileNetworks(o, args);
  const recipe = compareRecipe(nets[0]!.recipe, flags);
  const seed = positiveNumber("--seed", flags.seed, true) ?? 1;
  const yMax = positiveNumber("--ymax", flags.ymax, false);
  const progress = flags.progress as ProgressMode | undefined;
  if (progress !== undefined && !["bar", "lines", "none"].includes(progress)) {
    throw new UsageError(`--progress must be bar, lines or none, got '${progress}'`);
  }
  if (!recipe.data) {
    throw new UsageError(
      `no data: the train section of ${nets[0]!.file} has no \`data\` line and --data was not given`,
      "use --data mnist, --data cifar10:DIR or --data folder:DIR",
    );
  }
  const outDir = flags.out ?? join("runs", "compare");
  const backend = await useBackend(o, flags.backend);

  for (const n of nets) {
    const a = analyze(n.graph);
    o.err(
      `model ${title(n.graph)}: ${a.depth} layers, ${int(a.params)} params, ${int(a.multiplyAdds)} multiply-adds per image -> ${join(outDir, n.dir)}`,
    );
  }
  const split = planWorkers(
    o,
    nets.map((n) => n.graph),
    recipe.batchSize,
    backend,
    flags.workers,
  );

  const first = nets[0]!.graph;
  const data = await openDataSource(recipe.data, {
    imageSize: [first.input[0], first.input[1]],
    onWarning: (m) => o.err(`warning: ${m}`),
  });
  for (const n of nets) {
    const g = n.graph;
    if (data.shape.join("x") !== g.input.join("x")) {
      throw new CliError(
        `${title(g)} takes ${g.input.join("x")} inputs but ${data.name} gives ${data.shape.join("x")} examples`,
        EXIT.user,
        `change the input of ${n.file} to ${data.shape.join("x")}`,
      );
    }
    const classes = g.nodes[g.logits]!.shape[0];
    if (classes !== data.classes.length) {
      throw new CliError(
        `${title(g)} has ${classes} outputs but ${data.name} has ${data.classes.length} classes`,
        EXIT.user,
        `change the head's fc in ${n.file} to \`fc ${data.classes.length}\``,
      );
    }
  }
  const stop =
    recipe.stopIteration !== null
      ? `${int(recipe.stopIteration)} iterations or ${recipe.epochs} epochs, whichever comes first`
      : `${recipe.epochs} epochs`;
  o.err(
    `data ${data.name}: ${int(data.train.size)} training and ${int(data.test.size)} test examples; ` +
      `each network: batch ${recipe.batchSize}, lr ${recipe.lr}, ${stop}, seed ${seed}`,
  );

  await mkdir(outDir, { recursive: true });
  const resumeCommand =
    `resnetc compare ${args.map((a) => relPath(o, a)).join(" ")}` +
    optionText(flags, outDir) +
    " --resume";
  const results: { net: Network; metrics: EpochMetrics[] }[] = [];
  for (const [i, n] of nets.entries()) {
    const g = n.graph;
    const runDir = join(outDir, n.dir);
    const resume = Boolean(flags.resume) && (await hasCheckpoint(checkpointDir(runDir)));
    o.err(`[${i + 1}/${nets.length}] ${title(g)}${resume ? " (resuming)" : ""}`);
    const model = lower(g, { seed });
    const log = (l: string) => o.err(l);
    const interrupt = interruptOnSigint(log);
    try {
      const res = await train({
        model,
        graph: g,
        data,
        recipe,
        outDir: runDir,
        seed,
        resume,
        log,
        signal: interrupt.signal,
        progress: createProgress(progress ?? defaultProgressMode(), log),
        parallel: parallelOptions(backend, split.length),
        extraModelFiles: trainedModelFiles(g, n.specText, data, backend, split.length),
        resumeCommand,
      });
      if (res.interrupted) {
        setExit(EXIT.interrupted);
        return;
      }
      results.push({ net: n, metrics: res.metrics });
    } finally {
      interrupt.dispose();
      model.dispose();
    }
  }

  const series = results.map((r) => runSeries(r.net.dir, r.metrics));
  const chartTitle = `Training (dashed) and test (bold) error on ${data.name}, batch ${recipe.batchSize}, lr ${recipe.lr}`;
  const svg = errorChartSvg(series, { title: chartTitle, ...(yMax !== undefined ? { yMax } : {}) });
  const svgFile = join(outDir, "compare.svg");
  const pngFile = join(outDir, "compare.png");
  await writeChart(svgFile, svg);
  await writeChart(pngFile, svg);
  const rows = series.map(finalErrors);
  const notes = [
    `Trained with \`${`resnetc compare ${args.map((a) => relPath(o, a)).join(" ")}${optionText(flags, outDir)}`}\`: ` +
      `${data.name}, batch ${recipe.batchSize}, lr ${recipe.lr}, ${stop}, seed ${seed}, backend ${backend}, ${split.length} worker${split.length > 1 ? "s" : ""}. ` +
      `Training error: the mini-batches of the epoch as they were trained (BN in training mode, augmented); test error: top-1 after the epoch.`,
  ];
  await writeFile(join(outDir, "compare.md"), finalErrorsMarkdown(rows, notes));
  o.out(finalErrorsText(rows));
  o.out(`chart: ${svgFile}, ${pngFile}; table: ${join(outDir, "compare.md")}`);
}

function relPath(o: Output, a: string): string {
  return a.startsWith("/") ? relative(o.cwd, a) || basename(a) : a;
}

/** The flags as they were given, for the resume hint and compare.md. */
function optionText(flags: CompareFlags, outDir: string): string {
  const parts: string[] = [];
  const add = (name: string, v: string | undefined) =>
    v !== undefined && parts.push(`${name} ${v}`);
  add("--data", flags.data);
  add("--epochs", flags.epochs);
  add("--iterations", flags.iterations);
  add("--batch-size", flags.batchSize);
  add("--lr", flags.lr);
  add("--seed", flags.seed);
  add("--backend", flags.backend);
  add("--workers", flags.workers);
  add("--ymax", flags.ymax);
  parts.push(`--out ${outDir}`);
  return " " + parts.join(" ");
}
