// The one custom layer of the tfjs target: a grouped convolution (ResNeXt's C=32), which
// tfjs-layers' Conv2D lacks (Keras' `groups`), and a dilated one (tfjs-layers' Conv2D has
// `dilationRate`, but trains through fused.conv2d, whose gradient refuses dilation; tf.conv2d's
// gradient is registered, and resnetc registers one that handles dilation). Its kernel has Keras' layout for groups,
// [kh, kw, in / groups, out]: group i convolves input channels [i*in/G, (i+1)*in/G) with output
// channels [i*out/G, (i+1)*out/G). It is computed as G convolutions on channel slices joined by a
// concatenation, so its gradients are tfjs' own (split, conv2d, concat) on every backend.
// Registered for serialization as "ResnetcGroupedConv2D": a saved model that uses it loads in
// plain tfjs once this module (or the class, copied) is imported.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type Initializer = ReturnType<typeof tfl.initializers.zeros>;

export interface GroupedConv2DArgs {
  name?: string;
  filters: number;
  kernelSize: [number, number];
  strides: number;
  padding: "valid" | "same";
  dilationRate?: number;
  groups: number;
  useBias: boolean;
  kernelInitializer?: Initializer;
  trainable?: boolean;
}

/** The layer's computation: G convolutions on channel slices, concatenated. */
export function groupedConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  groups: number,
  strides: number,
  padding: "valid" | "same",
  dilation = 1,
): tf.Tensor4D {
  if (groups === 1) return tf.conv2d(x, kernel, strides, padding, "NHWC", dilation);
  const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
  const ks = tf.split(kernel, groups, 3) as tf.Tensor4D[];
  const ys = xs.map((xi, i) => tf.conv2d(xi, ks[i]!, strides, padding, "NHWC", dilation));
  return tf.concat(ys, 3);
}

export class GroupedConv2D extends tfl.layers.Layer {
  static className = "ResnetcGroupedConv2D";
  private readonly args: Required<
    Omit<GroupedConv2DArgs, "name" | "kernelInitializer" | "trainable">
  >;
  private readonly kernelInitializer: Initializer;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: GroupedConv2DArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.args = {
      filters: args.filters,
      kernelSize: args.kernelSize,
      strides: args.strides,
      padding: args.padding,
      dilationRate: args.dilationRate ?? 1,
      groups: args.groups,
      useBias: args.useBias,
    };
    this.kernelInitializer = args.kernelInitializer ?? tfl.initializers.heNormal({});
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const cin = shape[shape.length - 1]!;
    const { kernelSize: k, groups, filters } = this.args;
    if (cin % groups !== 0 || filters % groups !== 0)
      throw new Error(`${this.name}: groups ${groups} do not divide ${cin} -> ${filters} channels`);
    this.kernel = this.addWeight(
      "kernel",
      [k[0], k[1], cin / groups, filters],
      "float32",
      this.kernelInitializer,
    );
    if (this.args.useBias)
      this.bias = this.addWeight("bias", [filters], "float32", tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const { kernelSize: k, strides: s, padding, dilationRate: d } = this.args;
    const size = (x: number | null, kk: number) => {
      if (x === null) return null;
      const span = (kk - 1) * d + 1;
      return padding === "same" ? Math.ceil(x / s) : Math.floor((x - span) / s) + 1;
    };
    return [b ?? null, size(h ?? null, k[0]), size(w ?? null, k[1]), this.args.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const { groups, strides, padding, dilationRate } = this.args;
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const y = groupedConv2d(x, kernel, groups, strides, padding, dilationRate);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args, kernelSize: [...this.args.kernelSize] };
  }
}

tf.serialization.registerClass(GroupedConv2D);

/** This module, for threads that rebuild a model from its JSON (importing it registers the class). */
export const CUSTOM_LAYERS_MODULE = import.meta.url;
