// resnetc eval FILE --model DIR/model --data SOURCE: top-1 / top-5 error of a trained model.
// resnetc predict --model DIR/model IMAGE...: the top classes of image files.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readMean } from "../../runtime/io/mean.js";
import { loadLayersModel } from "../../runtime/io/model-io.js";
import { openDataSource } from "../../runtime/data/index.js";
import { loadImageForModel } from "../../runtime/data/single-image.js";
import { evaluate, modelInputShape, predict } from "../../runtime/train/index.js";
import { useBackend } from "../backend.js";
import { compileAll, type CompileFlags } from "../compile.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { onlyGraph } from "../select-one.js";
import { positiveNumber } from "./train.js";

async function loadTrained(o: Output, dir: string, backend: string | undefined) {
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
  return { model, mean: mean?.mean ?? null, classes };
}

export interface EvalFlags extends CompileFlags {
  model: string;
  data?: string;
  backend?: string;
  batchSize?: string;
}

export async function evalCommand(o: Output, file: string, flags: EvalFlags): Promise<void> {
  // Here --model is the trained model's directory, not a model name of the spec.
  const { graph, recipe } = onlyGraph(compileAll(o, [file], { variant: flags.variant }), "eval");
  const source = flags.data ?? recipe.data;
  if (!source) throw new UsageError("no data: give --data (mnist, cifar10:DIR, folder:DIR)");
  const { model, mean } = await loadTrained(o, flags.model, flags.backend);
  const shape = modelInputShape(model);
  if (shape.join("x") !== graph.input.join("x")) {
    throw new CliError(
      `the model in ${flags.model} takes ${shape.join("x")} inputs, but ${file} describes ${graph.input.join("x")}`,
      EXIT.user,
    );
  }
  const data = await openDataSource(source, {
    imageSize: [shape[0], shape[1]],
    onWarning: (m) => o.err(`warning: ${m}`),
  });
  const r = await evaluate(model, data.test, {
    batchSize: positiveNumber("--batch-size", flags.batchSize, true) ?? 100,
    mean,
  });
  o.out(
    `${data.name} test (${r.n} examples): top-1 error ${(100 * r.top1Error).toFixed(2)}%` +
      (r.top5Error !== null ? `, top-5 error ${(100 * r.top5Error).toFixed(2)}%` : "") +
      `, loss ${r.loss.toFixed(4)}`,
  );
}

export interface PredictFlags {
  model: string;
  backend?: string;
  top?: string;
  json?: boolean;
}

export async function predictCommand(
  o: Output,
  images: string[],
  flags: PredictFlags,
): Promise<void> {
  const { model, mean, classes } = await loadTrained(o, flags.model, flags.backend);
  const shape = modelInputShape(model);
  const size = shape[0] * shape[1] * shape[2];
  const all = new Float32Array(size * images.length);
  for (let i = 0; i < images.length; i++) {
    if (!existsSync(images[i])) throw new UsageError(`cannot read '${images[i]}': no such file`);
    all.set(await loadImageForModel(images[i], shape), i * size);
  }
  const topK = positiveNumber("--top", flags.top, true) ?? 5;
  const preds = await predict(model, all, { mean, topK });
  const name = (l: number) => (classes ? classes[l] : String(l));
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
