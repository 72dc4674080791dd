// Frozen layers (fine-tuning, `--freeze conv1..conv4`): a frozen layer's weights are not trained, and a
// frozen batch normalization normalises with its moving statistics and leaves them as they are (what
// Keras does for a BatchNormalization layer that is not trainable), so a frozen stage computes exactly
// what the pretrained stage did. The trainer and its worker threads apply the same rules: the workers
// rebuild the model from its JSON, where each layer's `trainable` travels.
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

type Layer = tfl.LayersModel["layers"][number];
type Weight = tfl.LayersModel["weights"][number];

const patched = new WeakSet<Layer>();

/** Freezes the named layers of `model` (and of any model sharing them); returns how many there were. */
export function freezeLayers(model: tfl.LayersModel, names: ReadonlySet<string>): number {
  let n = 0;
  for (const layer of model.layers) {
    if (!names.has(layer.name)) continue;
    layer.trainable = false;
    n++;
  }
  applyFrozen(model);
  return n;
}

/**
 * Makes the layers that are marked not trainable behave as frozen: their weights are flagged not
 * trainable, and a frozen batch norm runs in inference mode even in a training pass. Idempotent.
 */
export function applyFrozen(model: tfl.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.trainable) continue;
    layer.trainable = false; // the setter flags each weight as well (not done for a layer built from JSON)
    if (layer.getClassName() !== "BatchNormalization" || patched.has(layer)) continue;
    const call = layer.call.bind(layer);
    layer.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) =>
      call(inputs, { ...kwargs, training: false });
    patched.add(layer);
  }
}

/** The weights of frozen layers. */
export function frozenWeights(model: tfl.LayersModel): Set<Weight> {
  return new Set(model.layers.filter((l) => !l.trainable).flatMap((l) => l.weights));
}

/**
 * The state a training pass moves (batch norm's moving mean and variance of layers that are not
 * frozen), in model order: what data-parallel training averages over the shares.
 */
export function movingState(model: tfl.LayersModel): Weight[] {
  const frozen = frozenWeights(model);
  return model.weights.filter((w) => !w.trainable && !frozen.has(w));
}
