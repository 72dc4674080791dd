// resnetc build FILE -o DIR: the compiled tfjs LayersModel in the standard layers format
// (model.json + weights.bin), loadable with tf.loadLayersModel in plain tfjs.
import { statSync } from "node:fs";
import { join, relative } from "node:path";
import { analyze } from "../../compiler/ir/analysis.js";
import { lower } from "../../compiler/targets/tfjs/lower.js";
import { saveLayersModel } from "../../runtime/io/model-io.js";
import { useBackend } from "../backend.js";
import { modelFiles } from "../model-files.js";
import { compileAll, type CompileFlags } from "../compile.js";
import type { Output } from "../output.js";
import { onlyGraph } from "../select-one.js";
import { int } from "../text-table.js";

export interface BuildFlags extends CompileFlags {
  out: string;
  backend?: string;
  seed?: string;
  target?: string;
}

export async function buildCommand(o: Output, file: string, flags: BuildFlags): Promise<void> {
  const { graph, recipe, result } = onlyGraph(compileAll(o, [file], flags), "build");
  const seed = flags.seed === undefined ? undefined : Number(flags.seed);
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
    });
  }
  await useBackend(o, flags.backend);
  const model = lower(graph, { seed });
  const a = analyze(graph);
  await saveLayersModel(model, flags.out, {
    files: modelFiles(graph, result.program.sources.get(result.program.entry) ?? ""),
  });
  o.out(
    `built ${graph.variant === null ? graph.name : `${graph.name} ${graph.variant}`}: ${int(a.params)} params, ${int(a.multiplyAdds)} multiply-adds`,
  );
  for (const f of ["model.json", "weights.bin", "spec.resnet", "resnetc.json"]) {
    const p = join(flags.out, f);
    o.out(`  wrote ${relative(o.cwd, p) || p} (${int(statSync(p).size)} bytes)`);
  }
}
