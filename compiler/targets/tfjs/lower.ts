// The tfjs target: IR -> tf.LayersModel (functional API) built from tfjs-layers' standard layers
// only, so that a saved model loads with `tf.loadLayersModel` and nothing of resnetc's. The layer
// names are the IR's node names, except the classifier, which is called "logits" (training takes
// the loss from it). Weights bound to the IR are loaded; the rest get He initialisation.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { hasEpilogue, WEIGHT_SLOTS, weightKey, type IrGraph, type IrNode } from "../../ir/types.js";
import { windowLayers } from "./windows.js";

export const LOGITS_LAYER = "logits";

export interface LowerOptions {
  /** Seed for the weight initialisers (same seed, same weights). */
  seed?: number;
  /** "he" (the paper) or "zeros" (structure only: fast, for counting and inspection). */
  init?: "he" | "zeros";
}

export type Init = () => ReturnType<typeof tfl.initializers.zeros>;
type Sym = tfl.SymbolicTensor;

export function lower(g: IrGraph, opts: LowerOptions = {}): tfl.LayersModel {
  const out: Sym[] = [];
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
    if (hasEpilogue(n))
      throw new Error(
        `internal: ${n.name} has a fused epilogue; layers are built from unfused graphs`,
      );
    const xs = n.inputs.map((i) => out[i]!);
    const name = layerName(g, n);
    out[n.id] =
      n.op === "add"
        ? (tfl.layers.add({ name }).apply(xs) as Sym)
        : nodeLayers(n, name, g.nodes[n.inputs[0]!]!.shape, init)(xs[0]!);
  }
  const model = tfl.model({ inputs: input, outputs: out[g.output]!, name: modelName(g) });
  if (g.weights.size) loadBoundWeights(g, model);
  return model;
}

export function modelName(g: IrGraph): string {
  return g.variant === null ? g.name : `${g.name}_${g.variant}`;
}

/** The tfjs layer that computes a node (the last one, where a node takes several). */
export function layerName(g: IrGraph, n: IrNode): string {
  return n.id === g.logits ? LOGITS_LAYER : n.name;
}

function apply(layer: tfl.layers.Layer, x: Sym): Sym {
  return layer.apply(x) as Sym;
}

/** The layers for one single-input node, chained. */
function nodeLayers(n: IrNode, name: string, inShape: number[], init: Init): (x: Sym) => Sym {
  switch (n.op) {
    case "conv":
    case "maxpool":
    case "avgpool":
      return windowLayers(n, name, inShape, init);
    case "bn":
      // tfjs' momentum weighs the old statistics: PyTorch's 0.1 is tfjs' 0.9.
      return (x) =>
        apply(
          tfl.layers.batchNormalization({
            name,
            axis: -1,
            momentum: 1 - n.momentum,
            epsilon: n.epsilon,
          }),
          x,
        );
    case "relu":
      return (x) => apply(tfl.layers.reLU({ name }), x);
    case "globalavg":
      return (x) => apply(tfl.layers.globalAveragePooling2d({ name }), x);
    case "globalmax":
      return (x) => apply(tfl.layers.globalMaxPooling2d({ name }), x);
    case "flatten":
      return (x) => apply(tfl.layers.flatten({ name }), x);
    case "fc":
      return (x) => apply(tfl.layers.dense({ name, units: n.units, kernelInitializer: init() }), x);
    case "softmax":
      return (x) => apply(tfl.layers.softmax({ name }), x);
    case "shortcutA":
      return (x) => shortcutA(x, name, n.stride, n.padChannels);
    case "se":
      return (x) => squeezeExcite(x, name, n.hidden, inShape[2]!, init);
    case "dropout":
      return (x) => apply(tfl.layers.dropout({ name, rate: n.rate }), x);
    case "droppath":
      return (x) => dropPath(x, name, n.rate);
    case "input":
    case "add":
      throw new Error(`internal: ${n.op} is not a single-input layer`);
  }
}

/**
 * Option A from standard layers: a 1x1 average pool with the stride picks x[:, ::s, ::s, :], and a
 * zero padding read as channels-first ([b, h, w, c] as [b, "c", "h", "w"]) appends zero channels.
 * No weights, so the paper's parameter counts hold.
 */
function shortcutA(x: Sym, name: string, stride: number, padChannels: number): Sym {
  let y = x;
  if (stride > 1) {
    const sub = tfl.layers.averagePooling2d({
      name: padChannels > 0 ? `${name}_subsample` : name,
      poolSize: 1,
      strides: stride,
      padding: "valid",
    });
    y = apply(sub, y);
  }
  if (padChannels > 0) {
    const pad = tfl.layers.zeroPadding2d({
      name,
      padding: [
        [0, 0],
        [0, padChannels],
      ],
      dataFormat: "channelsFirst",
    });
    y = apply(pad, y);
  }
  if (y === x) y = apply(tfl.layers.activation({ name, activation: "linear" }), y);
  return y;
}

/**
 * Squeeze-and-excitation from standard layers: global average pool, dense C -> hidden + ReLU,
 * dense hidden -> C + sigmoid, reshaped to 1x1xC and multiplied into x (broadcast over h, w).
 */
function squeezeExcite(x: Sym, name: string, hidden: number, c: number, init: Init): Sym {
  const pooled = apply(tfl.layers.globalAveragePooling2d({ name: `${name}_squeeze` }), x);
  const fc1 = tfl.layers.dense({ name: `${name}_fc1`, units: hidden, kernelInitializer: init() });
  const act = apply(tfl.layers.reLU({ name: `${name}_relu` }), apply(fc1, pooled));
  const fc2 = tfl.layers.dense({
    name: `${name}_fc2`,
    units: c,
    activation: "sigmoid",
    kernelInitializer: init(),
  });
  const gate = apply(
    tfl.layers.reshape({ name: `${name}_gate`, targetShape: [1, 1, c] }),
    apply(fc2, act),
  );
  return tfl.layers.multiply({ name }).apply([x, gate]) as Sym;
}

/**
 * Stochastic depth from standard layers: a dropout whose mask has one value per example
 * (noiseShape [batch, 1, 1, 1]) keeps or zeroes each example's branch and scales the kept ones
 * by 1/(1-p); a fixed rescaling by (1-p) after it makes training b * f(x) (b ~ Bernoulli(1-p)) and
 * evaluation (1-p) * f(x), as Huang et al. 2016 define it.
 */
function dropPath(x: Sym, name: string, rate: number): Sym {
  const drop = tfl.layers.dropout({
    name: `${name}_mask`,
    rate,
    noiseShape: [null, 1, 1, 1] as unknown as number[],
  });
  return apply(tfl.layers.rescaling({ name, scale: 1 - rate }), apply(drop, x));
}

/** Sets the weights bound to the IR (conv/fc kernel and bias, BN gamma, beta, mean, variance). */
function loadBoundWeights(g: IrGraph, model: tfl.LayersModel): void {
  const layers = new Map(model.layers.map((l) => [l.name, l]));
  for (const n of g.nodes) {
    if (n.op === "se") loadSeWeights(g, n, model);
    if (n.op !== "conv" && n.op !== "bn" && n.op !== "fc") continue;
    const layer = layers.get(layerName(g, n));
    if (!layer) continue; // not on the path to the output
    const current = layer.getWeights();
    const slots = WEIGHT_SLOTS[n.op].filter((s) => s !== "bias" || n.op === "bn" || hasBias(n));
    if (!slots.some((s) => g.weights.has(weightKey(n, s)))) continue;
    const next = slots.map((s, i) => {
      const w = g.weights.get(weightKey(n, s));
      return w ? tf.tensor(w.data, w.shape) : current[i]!;
    });
    layer.setWeights(next);
    next.forEach((t, i) => t !== current[i] && t.dispose());
  }
}

/** An SE node's fc1_* and fc2_* slots onto its two dense layers. */
function loadSeWeights(g: IrGraph, n: IrNode, model: tfl.LayersModel): void {
  for (const fc of ["fc1", "fc2"] as const) {
    const kernel = g.weights.get(weightKey(n, `${fc}_kernel`));
    const bias = g.weights.get(weightKey(n, `${fc}_bias`));
    if (!kernel && !bias) continue;
    const layer = model.getLayer(`${n.name}_${fc}`);
    const current = layer.getWeights();
    const next = [kernel, bias].map((w, i) => (w ? tf.tensor(w.data, w.shape) : current[i]!));
    layer.setWeights(next);
    next.forEach((t, i) => t !== current[i] && t.dispose());
  }
}

function hasBias(n: IrNode): boolean {
  return n.op === "fc" || (n.op === "conv" && n.bias);
}

/** Trainable parameters of a lowered model (BN moving statistics excluded). */
export function trainableParams(m: tfl.LayersModel): number {
  return m.trainableWeights.reduce(
    (s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}
