// The IR: a typed graph of operations with inferred shapes, explicit per-side padding and a
// recorded layout. It says what the network computes and nothing about how a target builds it:
// no framework's layer names or padding rules, no counts stored by hand (ir/analysis.ts computes
// them), no training recipe (that belongs to the run). Every node keeps the source span it came
// from and the stage/block it belongs to.
import type { Span } from "../../grammar/ast.js";
import type { ShortcutMode } from "../instance.js";

/** [h, w, c] for feature maps, [n] for flat vectors (batch left out). */
export type Shape = number[];

/** The only layout today: batch, height, width, channels. Recorded so that targets need not guess. */
export type Layout = "NHWC";

/** Zeros (or, for max pooling, cells that never win) added on each side before a window op. */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * What a fusion pass folded into a conv or a batch norm (passes/fuse-epilogues.ts,
 * passes/fuse-batchnorm-act.ts): out = relu?(op(x) + residual?), the residual being the node's
 * second input. Absent in the graphs shape inference builds; only the tfjs executor runs them.
 */
export interface Epilogue {
  residual?: boolean;
  relu?: boolean;
}

/** Whether a node carries a fused epilogue (targets that build layers refuse those). */
export function hasEpilogue(n: IrOp): boolean {
  return (n.op === "conv" || n.op === "bn") && (n.residual === true || n.relu === true);
}

export type IrOp =
  | { op: "input" }
  | ({
      op: "conv";
      kernel: [number, number];
      filters: number;
      stride: number;
      pad: Pads;
      bias: boolean;
      /** Grouped convolution (absent: 1): kernel [kh, kw, in / groups, out]. */
      groups?: number;
      /** Atrous convolution (absent: 1): taps `dilation` apart, a window of (K-1)*D+1. */
      dilation?: number;
    } & Epilogue)
  | ({ op: "bn"; epsilon: number; momentum: number } & Epilogue)
  | { op: "relu" }
  /** Padded cells never win the max (PyTorch's MaxPool2d, TF's `same`). */
  | { op: "maxpool"; pool: [number, number]; stride: number; pad: Pads }
  /** `countPad`: padded cells count in the divisor (PyTorch's count_include_pad) or not (TF's `same`). */
  | { op: "avgpool"; pool: [number, number]; stride: number; pad: Pads; countPad: boolean }
  | { op: "globalavg" | "globalmax" }
  | { op: "flatten" }
  | { op: "fc"; units: number }
  | { op: "softmax" }
  | { op: "add" }
  /** Option A: x[:, ::s, ::s, :] with `padChannels` zero channels appended. */
  | { op: "shortcutA"; stride: number; padChannels: number }
  /**
   * Squeeze-and-excitation: x * sigmoid(fc2(relu(fc1(mean over h, w of x)))), fc1 C -> `hidden`
   * and fc2 hidden -> C, both with bias (Hu et al. 2018; timm's `se.fc1`, `se.fc2`).
   */
  | { op: "se"; hidden: number }
  /** Dropout in training (inverted: kept values scaled by 1/(1-rate)); identity in evaluation. */
  | { op: "dropout"; rate: number }
  /**
   * Stochastic depth on a residual branch (Huang et al. 2016): in training each example's branch
   * is kept with probability 1-rate (else zero); in evaluation it is scaled by 1-rate.
   */
  | { op: "droppath"; rate: number };

export type OpName = IrOp["op"];

export type IrNode = IrOp & {
  id: number;
  /** Unique and stable (conv3_1_conv2, conv3_1_proj): weights are bound to nodes by it. */
  name: string;
  inputs: number[];
  shape: Shape;
  span: Span | null;
  /** Stage or layer group: conv1, conv2, ..., head. */
  group: string;
  /** conv3_1 for nodes inside a block, else null. */
  block: string | null;
  branch: "main" | "shortcut";
  /** The classifier whose output is the class scores. */
  role?: "classifier";
};

export interface IrGroup {
  name: string;
  kind: "layers" | "stage";
  /** Number of residual blocks (0 for the stem and head). */
  blocks: number;
  output: Shape;
  /** Paper-style description, e.g. "[3x3, 64; 3x3, 64] x 2" or "7x7, 64, stride 2". */
  description: string[];
  shortcut: ShortcutMode | null;
  blockType: string | null;
}

/** A tensor bound to a node: `${node.name}.${slot}`. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Weight slots by op, in the IR's layout: conv `kernel` [kh, kw, in / groups, out] (HWIO) and
 * `bias` [out]; bn `gamma`, `beta`, `mean`, `variance` [c]; fc `kernel` [in, out] and `bias` [out];
 * se `fc1_kernel` [c, hidden], `fc1_bias` [hidden], `fc2_kernel` [hidden, c], `fc2_bias` [c].
 */
export const WEIGHT_SLOTS = {
  conv: ["kernel", "bias"],
  bn: ["gamma", "beta", "mean", "variance"],
  fc: ["kernel", "bias"],
  se: ["fc1_kernel", "fc1_bias", "fc2_kernel", "fc2_bias"],
} as const;

export type WeightSlot = (typeof WEIGHT_SLOTS)[keyof typeof WEIGHT_SLOTS][number];

export interface IrGraph {
  name: string;
  variant: string | null;
  layout: Layout;
  input: [number, number, number];
  nodes: IrNode[];
  groups: IrGroup[];
  /** The classifier (fc) node. */
  logits: number;
  output: number;
  /** Bound weights by `${node.name}.${slot}` (absent: the target initialises them). */
  weights: Map<string, WeightTensor>;
}

export function shapeText(s: Shape): string {
  return s.join("x");
}

export function weightKey(node: { name: string }, slot: WeightSlot): string {
  return `${node.name}.${slot}`;
}

export function noPads(): Pads {
  return { top: 0, bottom: 0, left: 0, right: 0 };
}

export function padsEqual(a: Pads, b: Pads): boolean {
  return a.top === b.top && a.bottom === b.bottom && a.left === b.left && a.right === b.right;
}

export function isZeroPads(p: Pads): boolean {
  return p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0;
}
