// What eval, predict and training's per-epoch test pass run: a function from images to logits.
// Two kinds: the compiled one (the IR with the model's current weights bound, through the
// inference passes, run by the tfjs executor: batch norm folded into the convs, ReLU and residual
// additions in their epilogues) and the layers model as it is (a saved model without its spec).
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { IrGraph } from "../../compiler/ir/types.js";
import { INFERENCE_PASSES, runPasses } from "../../compiler/passes/index.js";
import { inferenceFunction } from "../../compiler/targets/tfjs/exec/inference.js";
import { modelWeights } from "../io/model-weights.js";
import { inferLogits, modelInputShape } from "./layers-model.js";

export interface Classifier {
  /** "compiled (fold-batchnorm, fuse-conv-epilogue)" or "layers model": for logs and specs. */
  readonly kind: string;
  /** [h, w, c] of one example. */
  readonly inputShape: [number, number, number];
  /** Logits [n, classes]; the caller disposes them (x is not disposed). */
  logits(x: tf.Tensor4D): Promise<tf.Tensor2D>;
  /** Frees what the classifier owns (never the layers model). */
  dispose(): void;
}

/** The layers model itself (its "logits" layer, else the log of its probabilities). */
export function layersClassifier(model: tfl.LayersModel): Classifier {
  return {
    kind: "layers model",
    inputShape: modelInputShape(model),
    logits: async (x) => inferLogits(model, x) as tf.Tensor2D,
    dispose() {},
  };
}

/**
 * `g` (the graph `model` was lowered from) with the model's weights as they are now, through the
 * inference passes. A snapshot: later training steps do not reach it; build a new one.
 */
export async function compiledClassifier(g: IrGraph, model: tfl.LayersModel): Promise<Classifier> {
  const bound = { ...g, weights: await modelWeights(g, model) };
  return compiledFromBound(bound);
}

/** A graph with every weight bound (imported weights, a worker's copy) through the passes. */
export function compiledFromBound(bound: IrGraph): Classifier {
  const fused = runPasses(bound, INFERENCE_PASSES);
  const f = inferenceFunction(fused);
  return {
    kind: `compiled (${INFERENCE_PASSES.map((p) => p.name).join(", ")})`,
    inputShape: [...fused.input],
    logits: async (x) => f.logits(x),
    dispose: () => f.dispose(),
  };
}
