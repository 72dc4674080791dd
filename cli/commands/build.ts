// resnetc build FILE -o DIR: the compiled tfjs LayersModel in the standard layers format
// (model.json + weights.bin), loadable with tf.loadLayersModel in plain tfjs. With --weights, the
// network holds a torchvision state dict's tensors, and torchvision's ImageNet preprocessing
// (mean.json, preprocess.json) is written beside it.
import { statSync } from "node:fs";
import { join, relative } from "node:path";
import { analyze } from "../../compiler/ir/analysis.js";
import { foldBatchNorm } from "../../compiler/passes/fold-batchnorm.js";
import { runPasses } from "../../compiler/passes/index.js";
import { lower } from "../../compiler/targets/tfjs/lower.js";
import { modelWeights } from "../../runtime/io/model-weights.js";
import { saveLayersModel } from "../../runtime/io/model-io.js";
import {
  IMAGENET_MEAN,
  IMAGENET_PREPROCESS,
  PREPROCESS_FILE,
  perPixel,
  preprocessToJSON,
} from "../../runtime/io/preprocess.js";
import { useBackend } from "../backend.js";
import { modelFiles } from "../model-files.js";
import { compileAll, type CompileFlags } from "../compile.js";
import { UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { onlyGraph } from "../select-one.js";
import { int } from "../text-table.js";
import { bindWeights, readWeights } from "../weights.js";

export interface BuildFlags extends CompileFlags {
  out: string;
  backend?: string;
  seed?: string;
  weights?: string;
  target?: string;
  fold?: boolean;
}

export async function buildCommand(o: Output, file: string, flags: BuildFlags): Promise<void> {
  const { graph: spec, recipe, result } = onlyGraph(compileAll(o, [file], flags), "build");
  const weights = flags.weights === undefined ? null : await readWeights(flags.weights);
  const graph = weights === null ? spec : bindWeights(o, spec, weights);
  const seed = flags.seed === undefined ? undefined : Number(flags.seed);
  if (flags.fold && flags.target === "pytorch") {
    throw new UsageError("--fold is for the tfjs target: a PyTorch project trains its batch norms");
  }
  if (flags.target === "pytorch") {
    const { buildPytorch } = await import("./build-pytorch.js");
    return buildPytorch(o, {
      file,
      graph,
      recipe,
      result,
      out: flags.out,
      seed,
      backend: flags.backend,
      ...(weights !== null ? { weightsFrom: `from ${weights.file}` } : {}),
    });
  }
  await useBackend(o, flags.backend);
  // Every weight comes from the file: no need to draw He initialisations first.
  let model = lower(graph, { seed, ...(weights !== null ? { init: "zeros" as const } : {}) });
  const a = analyze(graph);
  if (flags.fold) {
    // The weights as built, folded on the IR, then the folded graph built with them.
    const folded = runPasses({ ...graph, weights: await modelWeights(graph, model) }, [
      foldBatchNorm,
    ]);
    model.layers.forEach((l) => l.dispose());
    model = lower(folded, { init: "zeros" });
  }
  const files = modelFiles(graph, result.program.sources.get(result.program.entry) ?? "", {
    folded: flags.fold === true,
  });
  if (weights !== null) files[PREPROCESS_FILE] = preprocessToJSON(IMAGENET_PREPROCESS);
  await saveLayersModel(model, flags.out, {
    files,
    mean:
      weights === null
        ? null
        : { values: perPixel(IMAGENET_MEAN, graph.input), shape: graph.input },
  });
  o.out(
    `built ${graph.variant === null ? graph.name : `${graph.name} ${graph.variant}`}${flags.fold ? " (batch norm folded)" : ""}: ${int(a.params)} params, ${int(a.multiplyAdds)} multiply-adds` +
      (weights === null ? "" : `, ${int(weights.tensors.size)} tensors from ${weights.file}`),
  );
  const written = ["model.json", "weights.bin", "spec.resnet", "resnetc.json"];
  if (weights !== null) written.push("mean.json", PREPROCESS_FILE);
  for (const f of written) {
    const p = join(flags.out, f);
    o.out(`  wrote ${relative(o.cwd, p) || p} (${int(statSync(p).size)} bytes)`);
  }
}
