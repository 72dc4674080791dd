// The gradient of StridedSlice, which tfjs-core 4.22 does not define on any backend ("Cannot
// compute gradient: gradient function not found for StridedSlice"). ResNet's option-A shortcut,
// x[:, ::2, ::2, :], is a strided slice, so without this no such network trains.
//
// The gradient scatters dy back to the positions the slice read and is zero elsewhere: per axis,
// reverse it for a negative stride, insert stride-1 zeros between its entries, then pad it to the
// input's extent. Only tf ops are used, so it works on every backend.

import * as tf from "@tensorflow/tfjs-core";

/** Inserts s-1 zeros after every entry of `axis` and keeps the first `keep` entries. */
function spreadAxis(g: tf.Tensor, axis: number, s: number, keep: number): tf.Tensor {
  const shape = g.shape;
  const withSlot = [...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)];
  const pads: Array<[number, number]> = withSlot.map(() => [0, 0]);
  pads[axis + 1] = [0, s - 1];
  const spread = tf.pad(tf.reshape(g, withSlot), pads);
  const flat = [...shape];
  flat[axis] = shape[axis] * s;
  const begin = shape.map(() => 0);
  const size = [...shape];
  size[axis] = keep;
  return tf.slice(tf.reshape(spread, flat), begin, size);
}

export function stridedSliceGrad(
  dy: tf.Tensor,
  xShape: number[],
  attrs: tf.StridedSliceAttrs,
): tf.Tensor {
  const info = tf.slice_util.sliceInfo(
    xShape,
    attrs.begin,
    attrs.end,
    attrs.strides,
    attrs.beginMask,
    attrs.endMask,
    attrs.ellipsisMask,
    attrs.newAxisMask,
    attrs.shrinkAxisMask,
  );
  // The slice's shape before new axes are added and shrunk axes dropped (rank of x).
  const sizes = xShape.map((_, i) => {
    const len = info.end[i] - info.begin[i];
    const s = info.strides[i];
    if (len === 0 || len < 0 !== s < 0) return 0;
    return Math.ceil(Math.abs(len) / Math.abs(s));
  });
  if (sizes.some((n) => n === 0)) return tf.zeros(xShape, dy.dtype);
  return tf.tidy(() => {
    let g = tf.reshape(dy, sizes);
    const pads: Array<[number, number]> = [];
    for (let i = 0; i < xShape.length; i++) {
      const n = sizes[i];
      let s = info.strides[i];
      let b = info.begin[i];
      if (s < 0) {
        g = tf.reverse(g, i);
        b = b + (n - 1) * s;
        s = -s;
      }
      const len = (n - 1) * s + 1;
      if (s > 1 && n > 1) g = spreadAxis(g, i, s, len);
      pads.push([b, xShape[i] - b - len]);
    }
    return pads.some(([a, c]) => a !== 0 || c !== 0) ? tf.pad(g, pads) : g;
  });
}

export const stridedSliceGradConfig: tf.GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const a = attrs as unknown as tf.StridedSliceAttrs;
    return { x: () => stridedSliceGrad(dy as tf.Tensor, x.shape, a) };
  },
};
