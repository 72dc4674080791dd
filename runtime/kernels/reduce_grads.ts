// Gradients of Sum and Mean that broadcast dy with Tile instead of multiplying it by ones.
//
// tfjs's own (the copy in tfjs-layers' bundle, which is what registers gradients in Node) compute
// dx = reshape(dy, kept-dims shape) * ones(x.shape) (divided by the reduced size for Mean), and
// tf.ones fills a JS Float32Array of x's size element by element and uploads it to the backend.
// Batch norm takes a mean and a sum over [N,H,W] per layer, so a ResNet-20 step at batch 64 made
// ~40 such arrays of up to 1M floats: ~55 ms of JS fill loops, copies and garbage collection per
// step on wasm, more than all its batch-norm kernels together. The values are the same: dy * 1
// is dy, and Mean's division by the reduced size is done on dy before broadcasting instead of
// after (the same float32 division of the same numbers).

import * as tf from "@tensorflow/tfjs-core";

const OURS = Symbol.for("resnetc.gradient");

/** dy reshaped to x's rank with the reduced axes kept as 1, and the reduced size. */
function expanded(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): [tf.Tensor, number] {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  let reduced = 1;
  for (const a of axes) {
    reduced *= x.shape[a];
    shape[a] = 1;
  }
  return [tf.reshape(dy, shape), reduced];
}

/** broadcastTo(t, shape) as float32 (tfjs's gradients return float32 whatever dy's dtype). */
function spread(t: tf.Tensor, shape: number[]): tf.Tensor {
  const b = tf.broadcastTo(t, shape);
  return b.dtype === "float32" ? b : tf.cast(b, "float32");
}

export const sumGradConfig: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as tf.SumAttrs;
    return { x: () => spread(expanded(dy as tf.Tensor, x, axis)[0], x.shape) };
  },
};

export const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as tf.MeanAttrs;
    return {
      x: () => {
        const [e, reduced] = expanded(dy as tf.Tensor, x, axis);
        return spread(tf.div(e, reduced), x.shape);
      },
    };
  },
};

for (const c of [sumGradConfig, meanGradConfig]) {
  (c as unknown as Record<symbol, unknown>)[OURS] = true;
}

/** Registers both over tfjs's (idempotent). */
export function registerReduceGradients(): void {
  for (const c of [sumGradConfig, meanGradConfig]) {
    const current = tf.getGradient(c.kernelName) as unknown as Record<symbol, unknown> | undefined;
    if (current?.[OURS] !== true) tf.registerGradient(c);
  }
}
