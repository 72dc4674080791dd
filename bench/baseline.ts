// The same networks written by hand in tfjs-layers, as an engineer would without resnetc: the
// baseline that bench/run.ts compares the compiled graphs against. Like Keras Applications' ResNet50,
// they pad as the paper's models do: ZeroPadding2D before every strided window wider than 1.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type T = tfl.SymbolicTensor;

class PadShortcut extends tfl.layers.Layer {
  static className = "BenchPadShortcut";
  constructor(
    private stride: number,
    private pad: number,
  ) {
    super({});
  }
  override computeOutputShape(s: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w, c] = s as number[];
    return [b, Math.ceil(h / this.stride), Math.ceil(w / this.stride), c + this.pad];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const s = this.stride;
      x = tf.reshape(
        tf.slice(
          tf.reshape(x, [b, h / s, s, w / s, s, c]),
          [0, 0, 0, 0, 0, 0],
          [b, h / s, 1, w / s, 1, c],
        ),
        [b, h / s, w / s, c],
      );
      return tf.pad(x, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, this.pad],
      ]);
    });
  }
}

/** (k-1)/2 zeros on every side before a strided window (TF's `same` would pad only after). */
function padFor(x: T, k: number, stride: number): T {
  if (stride === 1 || k === 1) return x;
  return tfl.layers.zeroPadding2d({ padding: (k - 1) / 2 }).apply(x) as T;
}

function convBn(x: T, filters: number, k: number, stride: number, relu: boolean): T {
  const strided = stride > 1 && k > 1;
  let y = tfl.layers
    .conv2d({
      filters,
      kernelSize: k,
      strides: stride,
      padding: strided ? "valid" : "same",
      useBias: false,
      kernelInitializer: "heNormal",
    })
    .apply(padFor(x, k, stride)) as T;
  y = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(y) as T;
  return relu ? (tfl.layers.reLU().apply(y) as T) : y;
}

export function handResnet20(): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  let x = convBn(input, 16, 3, 1, true);
  let cin = 16;
  for (const [c, s] of [
    [16, 1],
    [32, 2],
    [64, 2],
  ]) {
    for (let i = 0; i < 3; i++) {
      const stride = i === 0 ? s : 1;
      let y = convBn(x, c, 3, stride, true);
      y = convBn(y, c, 3, 1, false);
      const sc = stride !== 1 || cin !== c ? (new PadShortcut(stride, c - cin).apply(x) as T) : x;
      x = tfl.layers.reLU().apply(tfl.layers.add().apply([y, sc])) as T;
      cin = c;
    }
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as T;
  const logits = tfl.layers.dense({ units: 10, name: "logits" }).apply(x) as T;
  return tfl.model({ inputs: input, outputs: tfl.layers.softmax().apply(logits) as T });
}

export function handResnet50(): tfl.LayersModel {
  const input = tfl.input({ shape: [224, 224, 3] });
  let x = convBn(input, 64, 7, 2, true);
  // After a ReLU, zero padding cannot win the max.
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2 }).apply(padFor(x, 3, 2)) as T;
  let cin = 64;
  for (const [c, n, s] of [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ]) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      let y = convBn(x, c, 1, stride, true);
      y = convBn(y, c, 3, 1, true);
      y = convBn(y, 4 * c, 1, 1, false);
      const sc = stride !== 1 || cin !== 4 * c ? convBn(x, 4 * c, 1, stride, false) : x;
      x = tfl.layers.reLU().apply(tfl.layers.add().apply([y, sc])) as T;
      cin = 4 * c;
    }
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as T;
  const logits = tfl.layers.dense({ units: 1000, name: "logits" }).apply(x) as T;
  return tfl.model({ inputs: input, outputs: tfl.layers.softmax().apply(logits) as T });
}
