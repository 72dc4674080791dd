// The gradient registry a training step needs, on every backend.
//
// tfjs-core's Node bundle (tf-core.node.js) registers no gradients at all: they come with the
// @tensorflow/tfjs union package, or with tfjs-layers, whose bundle carries a copy of them and
// registers them into tfjs-core's global registry on load. resnetc depends on tfjs-layers, so
// importing it here makes tf.grads work even in a process that never builds a layers model.
import "@tensorflow/tfjs-layers";
import * as tf from "@tensorflow/tfjs-core";
import { registerDilatedConvGradient } from "./dilated_conv_grad.js";
import { registerReduceGradients } from "./reduce_grads.js";
import { installSharedSaves } from "./saved_tensors.js";
import { stridedSliceGradConfig } from "./strided_slice_grad.js";

/**
 * Registers the gradients resnetc needs that tfjs-core lacks (StridedSlice, used by the option-A
 * shortcut; Conv2D with dilation, dilated_conv_grad.ts) and checks that tfjs's own are there. Safe to call many times; a gradient
 * tfjs already has is left alone, except Sum's and Mean's, replaced by equal ones that do not
 * build ones(x.shape) in JS (reduce_grads.ts). Also makes the tape save tensors without a
 * kernel call each (saved_tensors.ts).
 */
export function registerTrainingGradients(): void {
  if (tf.getGradient(tf.Sum) == null || tf.getGradient(tf.Conv2D) == null) {
    throw new Error(
      "tfjs gradients are not registered (tfjs-layers did not load its copy of them); " +
        "reinstall @tensorflow/tfjs-layers",
    );
  }
  if (tf.getGradient(tf.StridedSlice) == null) tf.registerGradient(stridedSliceGradConfig);
  registerReduceGradients();
  registerDilatedConvGradient();
  installSharedSaves(); // saved tensors share their data: no Identity kernel per save
}
