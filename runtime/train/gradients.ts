// One forward and backward pass in training mode: the batch's mean loss, its top-1 errors and the
// gradient of the loss for each trainable variable. The training loop and the data-parallel worker
// threads (./parallel) both call this, so every worker computes exactly what a single process does.
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { countTopKErrors, trainingLoss } from "./loss.js";

export interface Gradients {
  /** Mean softmax cross-entropy over the batch. */
  loss: number;
  /** Examples whose highest logit is not their label. */
  errors: number;
  /** variable name -> gradient; the caller disposes them. */
  grads: tf.NamedTensorMap;
}

/**
 * The logits of x in training mode (batch normalization with the batch statistics, moving its
 * averages): the executor's (compiler/targets/tfjs/exec/training.ts) or the layers model's.
 */
export type TrainingForward = (x: tf.Tensor4D) => tf.Tensor;

/** The layers model's own training pass, up to its pre-softmax layer. */
export function layersForward(logits: tfl.LayersModel): TrainingForward {
  return (x) => logits.apply(x, { training: true }) as tf.Tensor;
}

/**
 * Runs `forward` on x in training mode and differentiates the loss for `vars`. x and y are not
 * disposed.
 */
export async function lossAndGradients(
  forward: TrainingForward,
  x: tf.Tensor4D,
  y: tf.Tensor,
  vars: tf.Variable[],
): Promise<Gradients> {
  let out: tf.Tensor | null = null;
  let errorCount: tf.Scalar | null = null;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const o = forward(x);
      const { loss, errors } = trainingLoss(o, y);
      // The fused loss counts the errors in the same pass; else they are counted from the logits.
      if (errors === null) out = tf.keep(o);
      errorCount = errors;
      return loss;
    }, vars);
    try {
      const loss = (await value.data())[0] as number;
      const errors =
        errorCount !== null
          ? ((await (errorCount as tf.Scalar).data())[0] as number)
          : await countTopKErrors(out!, y, 1);
      return { loss, errors, grads };
    } catch (err) {
      tf.dispose(grads);
      throw err;
    } finally {
      value.dispose();
    }
  } finally {
    (out as tf.Tensor | null)?.dispose();
    (errorCount as tf.Tensor | null)?.dispose();
  }
}
