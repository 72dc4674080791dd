// The gradient of a dilated (atrous) Conv2D, which tfjs-core 4.22 refuses on every backend
// ("dilation rates greater than 1 are not yet supported in gradients"). Registered over tfjs' own
// Conv2D gradient, which still handles every convolution without dilation.
//
// For stride 1 and dilation d, with x padded to xp (top/left pt/pl):
//   dW[p, q, c, o] = sum_{b,i,j} xp[b, i + p*d, j + q*d, c] * dy[b, i, j, o]
//     = a convolution of xp (batch and channels swapped) with dy as the filter, at stride d;
//   dxp[b, u, v, c] = sum_{p,q,o} dy[b, u - p*d, v - q*d, o] * w[p, q, c, o]
//     = a dilated convolution of dy, padded by (K-1)*d, with the kernel flipped and in/out swapped;
//   dx = dxp without the padding.
// Only tf ops are used, so it works on every backend.
import * as tf from "@tensorflow/tfjs-core";

type Pad = tf.Conv2DAttrs["pad"];

function pair(v: number | [number, number]): [number, number] {
  return typeof v === "number" ? [v, v] : v;
}

/** Per-side padding [top, bottom, left, right] of a stride-1 conv with an effective window. */
function padsOf(pad: Pad, h: number, w: number, kh: number, kw: number): number[] {
  if (pad === "valid") return [0, 0, 0, 0];
  if (typeof pad === "number") return [pad, pad, pad, pad];
  if (pad === "same") {
    const th = Math.max(kh - 1, 0);
    const tw = Math.max(kw - 1, 0);
    return [
      Math.floor(th / 2),
      th - Math.floor(th / 2),
      Math.floor(tw / 2),
      tw - Math.floor(tw / 2),
    ];
  }
  if (Array.isArray(pad)) return [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
  throw new Error(`dilated conv2d gradient: unsupported padding ${String(pad)}`);
}

interface Geometry {
  d: [number, number];
  k: [number, number];
  /** top, bottom, left, right */
  pads: number[];
}

function geometry(x: tf.Tensor4D, w: tf.Tensor4D, d: [number, number], pad: Pad): Geometry {
  const [kh, kw] = w.shape;
  const eff = [(kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1];
  return { d, k: [kh, kw], pads: padsOf(pad, x.shape[1], x.shape[2], eff[0]!, eff[1]!) };
}

/** dW: xp (batch and channels swapped) convolved with dy as the filter, at stride d. */
export function dilatedConvFilterGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  dilations: [number, number],
  pad: Pad,
): tf.Tensor4D {
  const { d, pads } = geometry(x, w, dilations, pad);
  return tf.tidy(() => {
    const xp = tf.pad(x, [
      [0, 0],
      [pads[0]!, pads[1]!],
      [pads[2]!, pads[3]!],
      [0, 0],
    ]);
    const a = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [c, H', W', b]
    const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, b, o]
    const g = tf.conv2d(a, f, d, "valid"); // [c, kh, kw, o]
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** dx: dy padded by (K-1)*d, dilated conv with the flipped, in/out-swapped kernel, unpadded. */
export function dilatedConvInputGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  dilations: [number, number],
  pad: Pad,
): tf.Tensor4D {
  const { d, k, pads } = geometry(x, w, dilations, pad);
  return tf.tidy(() => {
    const dyp = tf.pad(dy, [
      [0, 0],
      [(k[0] - 1) * d[0], (k[0] - 1) * d[0]],
      [(k[1] - 1) * d[1], (k[1] - 1) * d[1]],
      [0, 0],
    ]) as tf.Tensor4D;
    const wf = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    const dxp = tf.conv2d(dyp, wf, 1, "valid", "NHWC", d);
    return tf.slice(dxp, [0, pads[0]!, pads[2]!, 0], x.shape) as tf.Tensor4D;
  });
}

/** Conv2D's gradient: tfjs' own without dilation, the one above with it (stride 1, NHWC). */
export function registerDilatedConvGradient(): void {
  const own = tf.getGradient(tf.Conv2D);
  if (!own || (own as { resnetcDilated?: boolean }).resnetcDilated) return;
  const config: tf.GradConfig & { resnetcDilated: boolean } = {
    kernelName: tf.Conv2D,
    inputsToSave: ["x", "filter"],
    resnetcDilated: true,
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as tf.Conv2DAttrs;
      const d = pair(a.dilations ?? 1);
      if (d[0] === 1 && d[1] === 1) return own.gradFunc(dy, saved, attrs);
      const s = pair(a.strides);
      if (s[0] !== 1 || s[1] !== 1 || a.dataFormat === "NCHW")
        throw new Error("dilated conv2d gradient: needs stride 1 and NHWC");
      const [x, w] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      return {
        x: () => dilatedConvInputGrad(g, x, w, d, a.pad),
        filter: () => dilatedConvFilterGrad(g, x, w, d, a.pad),
      };
    },
  };
  tf.registerGradient(config);
}
