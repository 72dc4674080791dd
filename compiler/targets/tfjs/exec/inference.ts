// A compiled inference function: an IR graph with every weight bound (usually after the inference
// passes: batch norm folded, epilogues fused) becomes a function from images to logits, with its
// weights as tensors it owns. What eval, predict and training's per-epoch test pass run.
import * as tf from "@tensorflow/tfjs-core";
import type { IrGraph } from "../../../ir/types.js";
import { runGraph } from "./run-graph.js";

export interface InferenceFunction {
  /** The graph it runs. */
  readonly graph: IrGraph;
  /** Logits [n, classes] of x [n, h, w, c]; the caller disposes them. */
  logits(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

export function inferenceFunction(g: IrGraph): InferenceFunction {
  const tensors = new Map<string, tf.Tensor>();
  for (const [key, t] of g.weights) tensors.set(key, tf.tensor(t.data, t.shape, "float32"));
  const weight = (key: string) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`internal: weight ${key} is not bound`);
    return t;
  };
  return {
    graph: g,
    logits: (x) =>
      tf.tidy(() => runGraph(g, x, { training: false, weight, freeEarly: true }) as tf.Tensor2D),
    dispose: () => tensors.forEach((t) => t.dispose()),
  };
}
