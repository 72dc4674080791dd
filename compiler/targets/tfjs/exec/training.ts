// The forward pass of a training step through the executor, on the variables of the lowered
// layers model (variables.ts): the graph after the training passes (batch norm + add + ReLU fused)
// runs with batch statistics, and each batch norm's moving averages move exactly as tfjs-layers
// moves them (moving -= (moving - batch) * momentum, PyTorch's momentum; biased variance).
// The optimizer updates the same variables, so checkpoints and saved models are the layers
// model's, unchanged.
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { weightKey, type IrGraph, type IrNode } from "../../../ir/types.js";
import { layerVariables, type LayerVariable } from "../variables.js";
import { runGraph } from "./run-graph.js";

/** Logits of x in training mode; moves the moving averages. Call inside the tape. */
export type TrainingForward = (x: tf.Tensor4D) => tf.Tensor2D;

/**
 * `fused` is the graph the training passes made of `g` (the graph `model` was lowered from).
 * Batch norms of frozen layers run with their moving statistics and keep them.
 */
export function trainingForward(fused: IrGraph, model: tfl.LayersModel): TrainingForward {
  const vars = layerVariables(fused, model);
  const frozen = new Set(model.layers.filter((l) => !l.trainable).map((l) => l.name));
  const weight = (key: string) => {
    const v = vars.get(key);
    if (!v) throw new Error(`internal: the model has no variable for ${key}`);
    return v.read();
  };
  return (x) => {
    const stats: [IrNode & { op: "bn" }, tf.Tensor1D, tf.Tensor1D][] = [];
    const logits = runGraph(fused, x, {
      training: true,
      weight,
      frozen,
      batchStats: (n, mean, variance) => stats.push([n, mean, variance]),
    }) as tf.Tensor2D;
    for (const [n, mean, variance] of stats) {
      moveAverage(vars.get(weightKey(n, "mean"))!, mean, n.momentum);
      moveAverage(vars.get(weightKey(n, "variance"))!, variance, n.momentum);
    }
    return logits;
  };
}

/** tfjs-layers' BatchNormalization update, op for op: moving - (moving - value) * momentum. */
function moveAverage(v: LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const old = v.read();
    v.write(tf.sub(old, tf.mul(tf.sub(old, value), momentum)));
  });
}
