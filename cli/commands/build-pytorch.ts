// resnetc build FILE --target pytorch -o DIR: a small Python project (model.py, train.py,
// README.md) generated from the IR, and weights.safetensors with the initial weights under
// torchvision's names: the tfjs build's He initialisation (same seed, same numbers), or the weights
// bound to the graph by --weights.
import { statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { analyze } from "../../compiler/ir/analysis.js";
import { pytorchFiles } from "../../compiler/targets/pytorch/index.js";
import { lower } from "../../compiler/targets/tfjs/lower.js";
import type { IrGraph } from "../../compiler/ir/types.js";
import { replaceDirAtomic } from "../../runtime/io/atomic.js";
import { modelWeights } from "../../runtime/io/model-weights.js";
import { encodeSafetensors } from "../../runtime/io/safetensors.js";
import { torchStateDict } from "../../runtime/io/torchvision.js";
import { useBackend } from "../backend.js";
import { modelFiles } from "../model-files.js";
import type { Output } from "../output.js";
import type { CheckResult } from "../../compiler/check.js";
import type { TrainRecipe } from "../../compiler/recipe.js";
import { int } from "../text-table.js";

export interface PytorchBuild {
  file: string;
  graph: IrGraph;
  recipe: TrainRecipe;
  result: CheckResult;
  out: string;
  seed?: number;
  backend?: string;
  /** Where bound weights came from (--weights), for the README. */
  weightsFrom?: string;
}

export async function buildPytorch(o: Output, b: PytorchBuild): Promise<void> {
  const { graph } = b;
  await useBackend(o, b.backend);
  const model = lower(graph, { seed: b.seed });
  const weights = await modelWeights(graph, model);
  model.dispose();
  const specPath = relative(o.cwd, b.file) || b.file;
  const files = pytorchFiles(graph, b.recipe, {
    specPath,
    weights:
      b.weightsFrom ??
      `He initialisation${b.seed === undefined ? "" : `, seed ${b.seed}`}, as \`resnetc build\``,
  });
  const st = encodeSafetensors(torchStateDict(graph, weights), { format: "pt" });
  const side = modelFiles(graph, b.result.program.sources.get(b.result.program.entry) ?? "");
  await replaceDirAtomic(b.out, async (tmp) => {
    for (const [name, text] of [...files, ...Object.entries(side)])
      await writeFile(join(tmp, name), text);
    await writeFile(join(tmp, "weights.safetensors"), st);
  });
  const a = analyze(graph);
  o.out(
    `built ${graph.variant === null ? graph.name : `${graph.name} ${graph.variant}`} for PyTorch: ${int(a.params)} params, ${int(a.multiplyAdds)} multiply-adds`,
  );
  for (const f of ["model.py", "train.py", "weights.safetensors", "README.md"]) {
    const p = join(b.out, f);
    o.out(`  wrote ${relative(o.cwd, p) || p} (${int(statSync(p).size)} bytes)`);
  }
}
