// Training through the compiler's executor: the graph the model was lowered from, after the
// training passes (batch norm + residual add + ReLU fused into one op), run on the layers model's
// own variables (compiler/targets/tfjs/exec/training.ts). What the trainer and its worker threads
// use whenever they know the graph; the layers model's apply otherwise.
import type * as tfl from "@tensorflow/tfjs-layers";

import type { IrGraph } from "../../compiler/ir/types.js";
import { runPasses, TRAINING_PASSES } from "../../compiler/passes/index.js";
import { trainingForward } from "../../compiler/targets/tfjs/exec/training.js";
import type { TrainingForward } from "./gradients.js";

export function executorForward(g: IrGraph, model: tfl.LayersModel): TrainingForward {
  return trainingForward(runPasses(g, TRAINING_PASSES), model);
}
