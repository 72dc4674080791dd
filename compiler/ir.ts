// The checked IR: a typed graph of layers with inferred NHWC shapes (batch left out). Every node
// keeps the source span it came from and the stage/block it belongs to.
import type { Span } from "../grammar/ast.js";
import type { ShortcutMode } from "./instance.js";
import type { TrainRecipe } from "./recipe.js";

/** [h, w, c] for feature maps, [n] for flat vectors. */
export type Shape = number[];

export type IrOp =
  | { op: "input" }
  | {
      op: "conv";
      kernel: [number, number];
      filters: number;
      stride: number;
      padding: "same" | "valid";
      bias: boolean;
    }
  | { op: "zeropad"; pad: number }
  | { op: "bn" }
  | { op: "relu" }
  | { op: "maxpool" | "avgpool"; pool: [number, number]; stride: number; padding: "same" | "valid" }
  | { op: "globalavg" | "globalmax" }
  | { op: "flatten" }
  | { op: "fc"; units: number }
  | { op: "softmax" }
  | { op: "add" }
  /** Option A: x[:, ::s, ::s, :] with `padChannels` zero channels appended. */
  | { op: "shortcutA"; stride: number; padChannels: number };

export type IrNode = IrOp & {
  id: number;
  /** Unique, readable; also the tfjs layer name (conv3_1_conv2, conv3_1_proj, logits). */
  name: string;
  inputs: number[];
  shape: Shape;
  /** Trainable parameters (conv kernels, BN gamma/beta, fc weights and biases). */
  params: number;
  /** Non-trainable state (BN moving mean and variance). */
  state: number;
  /** Multiply-adds of conv and fc layers at the model's input size (the paper's "FLOPs"). */
  madds: number;
  span: Span | null;
  /** Stage or layer group: conv1, conv2, ..., head. */
  group: string;
  /** conv3_1 for nodes inside a block, else null. */
  block: string | null;
  branch: "main" | "shortcut";
  /** Counts towards depth: a conv or fc on the main path. */
  weighted: boolean;
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

export interface IrGraph {
  name: string;
  variant: string | null;
  input: [number, number, number];
  nodes: IrNode[];
  groups: IrGroup[];
  /** The fc node whose output is the class scores. */
  logits: number;
  output: number;
  recipe: TrainRecipe;
}

export function shapeText(s: Shape): string {
  return s.join("x");
}
