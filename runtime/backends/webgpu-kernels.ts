// Fixes to tfjs-backend-webgpu's kernels that resnetc's graphs need.
//
// PadV2 of a rank-5 or rank-6 tensor: tfjs-backend-webgpu 4.22 writes WGSL that indexes its vec5 /
// vec6 structs like vectors, which Dawn's WGSL compiler rejects ("cannot index type 'vec6'"), and
// the pipeline is invalid. Option A's shortcut slices a 6-D view, so its gradient is such a pad.
// Here a pad of rank > 4 is done on a reshaped view of rank <= 4 where one exists: a dimension that
// is not padded merges into its outer neighbour (for the shortcut's gradient, 6-D becomes 3-D).
// tfjs-backend-webgl 4.22 has the same fault in GLSL (`lessThan` of its ivec6 struct does not
// compile), so the playground applies the same fix to webgl (patchPadKernel("webgl")).

import * as tf from "@tensorflow/tfjs-core";

export interface MergedPad {
  shape: number[];
  paddings: [number, number][];
}

/**
 * The same padding on fewer dimensions: working from the innermost dimension out, a dimension
 * merges with the group inside it when that group is not padded (its padding becomes the
 * dimension's, times the group's size). The result pads the same elements of the flat array.
 */
export function mergePadDims(
  shape: readonly number[],
  paddings: readonly (readonly number[])[],
): MergedPad {
  const outShape: number[] = [];
  const outPad: [number, number][] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    const [before, after] = paddings[i];
    if (outShape.length > 0 && outPad[0][0] === 0 && outPad[0][1] === 0) {
      const inner = outShape[0];
      outShape[0] = shape[i] * inner;
      outPad[0] = [before * inner, after * inner];
    } else {
      outShape.unshift(shape[i]);
      outPad.unshift([before, after]);
    }
  }
  return { shape: outShape, paddings: outPad };
}

interface DisposingBackend {
  disposeData(dataId: object): void;
}

const patched = new Set<string>();

/**
 * Replaces `backendName`'s PadV2 with one that pads rank 5 and 6 through a view of rank <= 4 (and
 * calls the original for everything else). Idempotent; false while that backend's kernels are not
 * registered (its package not loaded).
 */
export function patchPadKernel(backendName: string): boolean {
  if (patched.has(backendName)) return true;
  const pad = tf.getKernel(tf.PadV2, backendName);
  const reshape = tf.getKernel(tf.Reshape, backendName);
  if (pad == null || reshape == null) return false;
  const padFunc = pad.kernelFunc;
  const reshapeFunc = reshape.kernelFunc;
  tf.unregisterKernel(tf.PadV2, backendName);
  tf.registerKernel({
    kernelName: tf.PadV2,
    backendName,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
      if (x.shape.length <= 4) return padFunc(args);
      const merged = mergePadDims(x.shape, paddings);
      if (merged.shape.length > 4) return padFunc(args);
      const backend = args.backend;
      const view = reshapeFunc({
        inputs: { x },
        backend,
        attrs: { shape: merged.shape },
      }) as tf.TensorInfo;
      const padded = padFunc({
        inputs: { x: view },
        backend,
        attrs: { paddings: merged.paddings, constantValue },
      }) as tf.TensorInfo;
      const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
      const out = reshapeFunc({
        inputs: { x: padded },
        backend,
        attrs: { shape: outShape },
      }) as tf.TensorInfo;
      // The reshapes only add references to the same GPU buffers; drop the intermediate ones.
      (backend as unknown as DisposingBackend).disposeData(view.dataId);
      (backend as unknown as DisposingBackend).disposeData(padded.dataId);
      return out;
    },
  });
  patched.add(backendName);
  return true;
}

/**
 * The webgpu kernels resnetc replaces (today PadV2, see patchPadKernel). Idempotent; a no-op until
 * tfjs-backend-webgpu is loaded. Returns the kernels it replaced, for the record.
 */
export function patchWebgpuKernels(): string[] {
  return patchPadKernel("webgpu") ? ["PadV2"] : [];
}
