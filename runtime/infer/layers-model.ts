// The layers model's own inference: its "logits" layer (the pre-softmax output the loss and the
// executor work from), its input shape.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

export const LOGITS_LAYER = "logits";

const logitsModels = new WeakMap<tfl.LayersModel, tfl.LayersModel | null>();

/**
 * The sub-model from the model's inputs to its "logits" layer (sharing the weights), or null when the model
 * has no such layer. Cached per model.
 */
export function logitsModel(model: tfl.LayersModel): tfl.LayersModel | null {
  if (logitsModels.has(model)) return logitsModels.get(model)!;
  let sub: tfl.LayersModel | null = null;
  if (model.layers.some((l) => l.name === LOGITS_LAYER)) {
    const out = model.getLayer(LOGITS_LAYER).output;
    if (Array.isArray(out)) throw new Error(`layer "${LOGITS_LAYER}" has several outputs`);
    sub = tfl.model({ inputs: model.inputs, outputs: out, name: `${model.name}_logits` });
  }
  logitsModels.set(model, sub);
  return sub;
}

/** The shape [h, w, c] of one input example. */
export function modelInputShape(model: tfl.LayersModel): [number, number, number] {
  if (model.inputs.length !== 1)
    throw new Error(`the model has ${model.inputs.length} inputs; expected 1`);
  const s = model.inputs[0]!.shape;
  if (s.length !== 4 || s.slice(1).some((d) => d === null)) {
    throw new Error(`the model's input shape is [${s.join(", ")}]; expected [batch, h, w, c]`);
  }
  return [s[1]!, s[2]!, s[3]!];
}

/** Logits of `x` in inference mode: from the "logits" layer, else log of the model's probabilities. */
export function inferLogits(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const sub = logitsModel(model);
    if (sub !== null) return sub.apply(x, { training: false }) as tf.Tensor;
    const p = model.apply(x, { training: false }) as tf.Tensor;
    return tf.log(tf.maximum(p, 1e-30));
  });
}
