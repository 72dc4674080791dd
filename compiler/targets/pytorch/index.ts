// The PyTorch target: IR + training recipe -> the text files of a small Python project (model.py,
// train.py, README.md). The weights (weights.safetensors) are written by the caller, which owns I/O.
import { analyze } from "../../ir/analysis.js";
import { hasEpilogue, type IrGraph } from "../../ir/types.js";
import type { TrainRecipe } from "../../recipe.js";
import { modelPy } from "./model-py.js";
import { pythonFile } from "./python-files.js";
import { readme } from "./readme.js";
import { trainPy } from "./train-py.js";

export { modelClassName } from "./model-py.js";
export { projectName } from "./train-py.js";

export interface PytorchOptions {
  /** The spec as the user named it, for comments and the README. */
  specPath: string;
  /** Where the initial weights come from, in words (README). */
  weights: string;
}

export function pytorchFiles(
  g: IrGraph,
  recipe: TrainRecipe,
  opts: PytorchOptions,
): Map<string, string> {
  const fused = g.nodes.find(hasEpilogue);
  if (fused)
    throw new Error(
      `internal: ${fused.name} has a fused epilogue; the PyTorch target takes unfused graphs`,
    );
  const params = analyze(g).params;
  return new Map([
    ["model.py", modelPy(g, { specPath: opts.specPath, params })],
    ["train.py", trainPy(g, recipe)],
    ["launch.py", pythonFile("launch.py")],
    ["README.md", readme(g, recipe, { specPath: opts.specPath, params, weights: opts.weights })],
  ]);
}
