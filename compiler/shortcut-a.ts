// Option A's shortcut as a tfjs layer: x[:, ::s, ::s, :] with zero channels appended. Built from
// reshape/slice/pad, whose gradients every backend has. Registered for serialisation so that a
// saved model loads back with tf.loadLayersModel.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

export interface ShortcutAConfig {
  stride: number;
  padChannels: number;
  name?: string;
}

export class ShortcutA extends tfl.layers.Layer {
  static className = "ResnetcShortcutA";
  readonly stride: number;
  readonly padChannels: number;

  constructor(config: ShortcutAConfig) {
    super({ name: config.name, trainable: false });
    this.stride = config.stride;
    this.padChannels = config.padChannels;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w, c] = inputShape as tfl.Shape;
    const s = this.stride;
    return [
      b,
      h === null ? null : Math.ceil(h / s),
      w === null ? null : Math.ceil(w / s),
      c === null ? null : c + this.padChannels,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return shortcutA(x, this.stride, this.padChannels);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), stride: this.stride, padChannels: this.padChannels };
  }
}

/** The same computation as a plain function (the hand-written baseline in bench/ uses it too). */
export function shortcutA(x: tf.Tensor4D, s: number, padChannels: number): tf.Tensor4D {
  let y = x;
  if (s > 1) {
    const [b, h, w, c] = y.shape;
    const ph = Math.ceil(h / s) * s - h;
    const pw = Math.ceil(w / s) * s - w;
    if (ph || pw)
      y = tf.pad(y, [
        [0, 0],
        [0, ph],
        [0, pw],
        [0, 0],
      ]);
    const H = (h + ph) / s;
    const W = (w + pw) / s;
    y = tf.reshape(
      tf.slice(tf.reshape(y, [b, H, s, W, s, c]), [0, 0, 0, 0, 0, 0], [b, H, 1, W, 1, c]),
      [b, H, W, c],
    );
  }
  if (padChannels > 0)
    y = tf.pad(y, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, padChannels],
    ]);
  return y;
}

tf.serialization.registerClass(ShortcutA);
