// IR -> tf.LayersModel (functional API): He initialisation, BN after every conv as the IR says,
// option A as the registered ShortcutA layer. The layer names are the IR's node names, and the
// classifier is called "logits" (training computes the loss from it).
import * as tfl from "@tensorflow/tfjs-layers";
import type { IrGraph, IrNode } from "./ir.js";
import { ShortcutA } from "./shortcut-a.js";

export interface LowerOptions {
  /** Seed for the weight initialisers (same seed, same weights). */
  seed?: number;
  /** "he" (the paper) or "zeros" (structure only: fast, for counting and inspection). */
  init?: "he" | "zeros";
}

export function lower(g: IrGraph, opts: LowerOptions = {}): tfl.LayersModel {
  const out: tfl.SymbolicTensor[] = [];
  let seed = opts.seed;
  const nextSeed = () => (seed === undefined ? undefined : seed++);
  const init: Init =
    opts.init === "zeros"
      ? () => tfl.initializers.zeros()
      : () => tfl.initializers.heNormal({ seed: nextSeed() });
  const input = tfl.input({ shape: g.input, name: "input" });
  for (const n of g.nodes) {
    if (n.op === "input") {
      out[n.id] = input;
      continue;
    }
    const x = n.inputs.map((i) => out[i]);
    out[n.id] = layerFor(n, init).apply(x.length === 1 ? x[0] : x) as tfl.SymbolicTensor;
  }
  return tfl.model({ inputs: input, outputs: out[g.output], name: modelName(g) });
}

export function modelName(g: IrGraph): string {
  return g.variant === null ? g.name : `${g.name}_${g.variant}`;
}

type Init = () => ReturnType<typeof tfl.initializers.zeros>;

function layerFor(n: IrNode, init: Init): tfl.layers.Layer {
  const name = n.name;
  switch (n.op) {
    case "conv":
      return tfl.layers.conv2d({
        name,
        filters: n.filters,
        kernelSize: n.kernel,
        strides: n.stride,
        padding: n.padding,
        useBias: n.bias,
        kernelInitializer: init(),
      });
    case "zeropad":
      return tfl.layers.zeroPadding2d({ name, padding: n.pad });
    case "bn":
      // PyTorch's momentum 0.1 is Keras' 0.9; eps as in the paper's Caffe models (1e-5).
      return tfl.layers.batchNormalization({ name, axis: -1, momentum: 0.9, epsilon: 1e-5 });
    case "relu":
      return tfl.layers.reLU({ name });
    case "maxpool":
      return tfl.layers.maxPooling2d({
        name,
        poolSize: n.pool,
        strides: n.stride,
        padding: n.padding,
      });
    case "avgpool":
      return tfl.layers.averagePooling2d({
        name,
        poolSize: n.pool,
        strides: n.stride,
        padding: n.padding,
      });
    case "globalavg":
      return tfl.layers.globalAveragePooling2d({ name });
    case "globalmax":
      return tfl.layers.globalMaxPooling2d({ name });
    case "flatten":
      return tfl.layers.flatten({ name });
    case "fc":
      return tfl.layers.dense({ name, units: n.units, kernelInitializer: init() });
    case "softmax":
      return tfl.layers.softmax({ name });
    case "add":
      return tfl.layers.add({ name });
    case "shortcutA":
      return new ShortcutA({ name, stride: n.stride, padChannels: n.padChannels });
    case "input":
      throw new Error("internal: input is not a layer");
  }
}

/** Trainable parameters of a lowered model (BN moving statistics excluded). */
export function trainableParams(m: tfl.LayersModel): number {
  return m.trainableWeights.reduce(
    (s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}
