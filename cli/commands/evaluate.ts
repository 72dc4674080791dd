// resnetc eval FILE --model DIR/model --data SOURCE: top-1 / top-5 error of a trained model.
// resnetc predict --model DIR/model IMAGE...: the top classes of image files.
// Both also take a network straight from a spec and a torchvision state dict (--weights), which
// then gets torchvision's ImageNet preprocessing, as does a model built or trained with --weights.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { CUSTOM_LAYERS_MODULE } from "../../compiler/targets/tfjs/grouped-conv.js";
import type { IrGraph } from "../../compiler/ir/types.js";
import { checkFile } from "../../compiler/check.js";
import { foldedStructure } from "../../compiler/passes/fold-batchnorm.js";
import { lower } from "../../compiler/targets/tfjs/lower.js";
import {
  type Classifier,
  compiledClassifier,
  layersClassifier,
} from "../../runtime/infer/classifier.js";
import { inferencePool, parallelClassifier, weightValues } from "../../runtime/infer/parallel.js";
import type { WorkerPool } from "../../runtime/train/parallel/pool.js";
import { imagenetClasses } from "../../runtime/io/imagenet.js";
import { readMean } from "../../runtime/io/mean.js";
import { loadLayersModel } from "../../runtime/io/model-io.js";
import {
  IMAGENET_MEAN,
  IMAGENET_PREPROCESS,
  type Preprocess,
  dividedSplit,
  divideStd,
  loadImageCentreCrop,
  perPixel,
  readPreprocess,
} from "../../runtime/io/preprocess.js";
import { openDataSource } from "../../runtime/data/index.js";
import { loadImageForModel } from "../../runtime/data/single-image.js";
import { evaluate, modelInputShape, predict } from "../../runtime/train/index.js";
import { useBackend } from "../backend.js";
import { compileAll, type CompileFlags } from "../compile.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { onlyGraph } from "../select-one.js";
import { bindWeights, readWeights } from "../weights.js";
import { positiveNumber, workerCount } from "./train.js";

interface Network {
  model: tfl.LayersModel;
  /** The graph the model was built from (null: a saved model whose spec does not check here). */
  graph: IrGraph | null;
  mean: Float32Array | null;
  classes: string[] | null;
  preprocess: Preprocess | null;
}

async function loadTrained(o: Output, dir: string, backend: string | undefined): Promise<Network> {
  if (!existsSync(join(dir, "model.json"))) {
    throw new CliError(
      `no model in '${dir}': expected ${join(dir, "model.json")}`,
      EXIT.user,
      "pass the model/ folder that `resnetc train` wrote, e.g. --model runs/NAME/model",
    );
  }
  await useBackend(o, backend);
  const model = await loadLayersModel(dir);
  const mean = await readMean(dir);
  let classes: string[] | null = null;
  const cf = join(dir, "classes.json");
  if (existsSync(cf)) classes = JSON.parse(readFileSync(cf, "utf8")) as string[];
  return {
    model,
    graph: savedGraph(dir),
    mean: mean?.mean ?? null,
    classes,
    preprocess: await readPreprocess(dir),
  };
}

/**
 * The spec's network with a state dict's weights. A run of the PyTorch target's train.py leaves
 * its per-pixel mean (mean.json) and classes.json beside the weights: then those are used, as for a
 * model resnetc trained; otherwise torchvision's ImageNet preprocessing.
 */
async function loadImported(
  o: Output,
  graph: IrGraph,
  weightsFile: string,
  backend: string | undefined,
): Promise<Network> {
  const bound = bindWeights(o, graph, await readWeights(weightsFile));
  await useBackend(o, backend);
  const model = lower(bound, { init: "zeros" }); // every weight is bound: nothing to draw
  const dir = dirname(weightsFile);
  const own = await readMean(dir);
  if (own !== null && own.shape.join("x") === graph.input.join("x")) {
    o.err(`preprocessing: the per-pixel mean beside the weights (${join(dir, "mean.json")})`);
    const cf = join(dir, "classes.json");
    const classes = existsSync(cf) ? (JSON.parse(readFileSync(cf, "utf8")) as string[]) : null;
    return { model, graph, mean: own.mean, classes, preprocess: null };
  }
  return {
    model,
    graph,
    mean: perPixel(IMAGENET_MEAN, graph.input),
    classes: null,
    preprocess: IMAGENET_PREPROCESS,
  };
}

/** --model DIR or --weights FILE, exactly one. */
function oneSource(flags: { model?: string; weights?: string }, command: string): void {
  if ((flags.model === undefined) === (flags.weights === undefined)) {
    throw new UsageError(
      `${command} needs either --model DIR (a model resnetc wrote) or --weights FILE (a torchvision state dict)`,
    );
  }
}

export interface EvalFlags extends CompileFlags {
  workers?: string;
  model?: string;
  weights?: string;
  data?: string;
  backend?: string;
  batchSize?: string;
}

export async function evalCommand(o: Output, file: string, flags: EvalFlags): Promise<void> {
  // Here --model is the trained model's directory, not a model name of the spec.
  oneSource(flags, "eval");
  const { graph, recipe } = onlyGraph(compileAll(o, [file], { variant: flags.variant }), "eval");
  const source = flags.data ?? recipe.data;
  if (!source) throw new UsageError("no data: give --data (mnist, cifar10:DIR, folder:DIR)");
  const { model, mean, preprocess } =
    flags.weights !== undefined
      ? await loadImported(o, graph, flags.weights, flags.backend)
      : await loadTrained(o, flags.model!, flags.backend);
  const shape = modelInputShape(model);
  if (shape.join("x") !== graph.input.join("x")) {
    throw new CliError(
      `the model in ${flags.model ?? flags.weights} takes ${shape.join("x")} inputs, but ${file} describes ${graph.input.join("x")}`,
      EXIT.user,
    );
  }
  const data = await openDataSource(source, {
    imageSize: [shape[0], shape[1]],
    onWarning: (m) => o.err(`warning: ${m}`),
  });
  const test = preprocess === null ? data.test : dividedSplit(data.test, preprocess.std);
  const batchSize = positiveNumber("--batch-size", flags.batchSize, true) ?? 100;
  const r = await withClassifier(
    model,
    graph,
    workerCount(flags.workers, tf.getBackend(), batchSize),
    (net) => evaluate(net, test, { batchSize, mean }),
  );
  o.out(
    `${data.name} test (${r.n} examples): top-1 error ${(100 * r.top1Error).toFixed(2)}%` +
      (r.top5Error !== null ? `, top-5 error ${(100 * r.top5Error).toFixed(2)}%` : "") +
      `, loss ${r.loss.toFixed(4)}`,
  );
}

export interface PredictFlags {
  workers?: string;
  model?: string;
  weights?: string;
  spec?: string;
  variant?: string;
  backend?: string;
  top?: string;
  json?: boolean;
}

export async function predictCommand(
  o: Output,
  images: string[],
  flags: PredictFlags,
): Promise<void> {
  oneSource(flags, "predict");
  const { model, graph, mean, classes, preprocess } = await predictNetwork(o, flags);
  const shape = modelInputShape(model);
  const size = shape[0] * shape[1] * shape[2];
  const all = new Float32Array(size * images.length);
  for (let i = 0; i < images.length; i++) {
    if (!existsSync(images[i])) throw new UsageError(`cannot read '${images[i]}': no such file`);
    const x =
      preprocess === null
        ? await loadImageForModel(images[i], shape)
        : await loadImageCentreCrop(images[i], shape, preprocess.resize);
    if (preprocess !== null && mean !== null) {
      for (let j = 0; j < size; j++) x[j] = x[j]! - mean[j]!;
      divideStd(x, preprocess.std);
    }
    all.set(x, i * size);
  }
  const topK = positiveNumber("--top", flags.top, true) ?? 5;
  const workers = workerCount(flags.workers, tf.getBackend(), Math.min(images.length, 64));
  const preds = await withClassifier(model, graph, workers, (net) =>
    predict(net, all, { mean: preprocess === null ? mean : null, topK }),
  );
  const names = classes ?? (preds[0]?.probabilities.length === 1000 ? imagenetClasses() : null);
  const name = (l: number) => (names ? names[l] : String(l));
  if (flags.json) {
    o.out(
      JSON.stringify(
        preds.map((p, i) => ({
          file: images[i],
          top: p.top.map((t) => ({ class: name(t.label), probability: t.probability })),
        })),
        null,
        2,
      ),
    );
    return;
  }
  for (let i = 0; i < images.length; i++) {
    o.out(
      `${images[i]}: ${preds[i].top.map((t) => `${name(t.label)} ${(100 * t.probability).toFixed(1)}%`).join(", ")}`,
    );
  }
}

/**
 * The spec a model directory holds (spec.resnet, the variant in resnetc.json), checked again: the
 * graph inference compiles. Null when it is missing or no longer checks (then the layers model runs).
 */
function savedGraph(dir: string): IrGraph | null {
  try {
    const info = JSON.parse(readFileSync(join(dir, "resnetc.json"), "utf8")) as {
      variant?: string | null;
      folded?: boolean;
    };
    const r = checkFile(join(dir, "spec.resnet"), { variant: info.variant ?? undefined });
    if (!r.ok || r.graphs.length !== 1) return null;
    // A model built with --fold holds the folded convs: its graph is the folded one.
    return info.folded === true ? foldedStructure(r.graphs[0]!) : r.graphs[0]!;
  } catch {
    return null;
  }
}

/** The compiled graph with the model's weights, or the layers model where they do not match. */
async function classifier(model: tfl.LayersModel, graph: IrGraph | null): Promise<Classifier> {
  if (graph !== null) {
    try {
      return await compiledClassifier(graph, model);
    } catch {
      // The model's layers are not the graph's (a model saved by another version): run it as is.
    }
  }
  return layersClassifier(model);
}

/**
 * Runs `f` with the classifier on `workers` threads (this one and workers - 1 worker threads, each
 * compiling the same graph), then frees it and stops the threads.
 */
async function withClassifier<T>(
  model: tfl.LayersModel,
  graph: IrGraph | null,
  workers: number,
  f: (net: Classifier) => Promise<T>,
): Promise<T> {
  const local = await classifier(model, graph);
  let pool: WorkerPool | null = null;
  try {
    if (workers <= 1) return await f(local);
    pool = await inferencePool(model, graph, {
      workers,
      backend: tf.getBackend(),
      layerModules: [CUSTOM_LAYERS_MODULE],
    });
    return await f(await parallelClassifier(local, pool, await weightValues(model)));
  } finally {
    local.dispose();
    await pool?.close();
  }
}

async function predictNetwork(o: Output, flags: PredictFlags): Promise<Network> {
  if (flags.weights === undefined) return loadTrained(o, flags.model!, flags.backend);
  if (flags.spec === undefined) {
    throw new UsageError(
      "predict --weights needs the network's spec: --spec FILE (and --variant V)",
      "e.g. resnetc predict --spec examples/imagenet/resnet.resnet --variant 18 --weights resnet18.pth cat.jpg",
    );
  }
  const { graph } = onlyGraph(compileAll(o, [flags.spec], { variant: flags.variant }), "predict");
  return loadImported(o, graph, flags.weights, flags.backend);
}
