// train.py: a static script (python/train.py) with the spec's train section and the network's
// input and class count written into it as JSON.
import type { TrainRecipe } from "../../recipe.js";
import type { IrGraph } from "../../ir/types.js";
import { pythonFile } from "./python-files.js";

export function projectName(g: IrGraph): string {
  return g.variant === null ? g.name : `${g.name}_${g.variant}`;
}

export function trainPy(g: IrGraph, recipe: TrainRecipe): string {
  const net = {
    name: projectName(g),
    input: [g.input[2], g.input[0], g.input[1]],
    classes: g.nodes[g.logits]!.shape[0],
  };
  return pythonFile("train.py")
    .replace("__RECIPE__", JSON.stringify(recipe))
    .replace("__NET__", JSON.stringify(net));
}
