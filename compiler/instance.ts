// A concrete model: one model of a spec at one variant, with every expression evaluated and
// every block call expanded. This is what shape inference (ir.ts) turns into a graph.
import type { Span } from "../grammar/ast.js";
import type { TrainRecipe } from "./recipe.js";

/**
 * What a spec asks for: `auto` (no `pad` option) is (K-1)/2 on every side for an odd window, as
 * Caffe, PyTorch and Keras Applications pad, and TensorFlow's `same` for an even one.
 */
export type Padding = "auto" | "same" | "valid" | number;

export type LayerSpec =
  | {
      op: "conv";
      kernel: [number, number];
      filters: number;
      stride: number;
      pad: Padding;
      bn: boolean;
      relu: boolean;
      bias: boolean;
      /** Grouped convolution (ResNeXt): G groups, each seeing C_in/G channels; 1 is a plain conv. */
      groups: number;
      /** Atrous convolution: taps D apart; 1 is a plain conv. */
      dilation: number;
      span: Span;
    }
  /** Squeeze-and-excitation (Hu et al. 2018) with reduction ratio R. */
  | { op: "se"; reduction: number; span: Span }
  /** Dropout with probability P in training; nothing in evaluation. */
  | { op: "dropout"; rate: number; span: Span }
  | { op: "bn"; span: Span }
  | { op: "relu"; span: Span }
  | { op: "maxpool" | "avgpool"; pool: [number, number]; stride: number; pad: Padding; span: Span }
  | { op: "globalavg" | "globalmax"; span: Span }
  | { op: "fc"; units: number; span: Span }
  | { op: "softmax"; span: Span }
  | { op: "flatten"; span: Span };

/**
 * A: identity, zero-padded channels; B: projection where the shape changes; C: projection always;
 * D: where the shape changes, a 2x2 average pool with the stride, then a 1x1 projection (ResNet-D).
 */
export type ShortcutMode = "A" | "B" | "C" | "D" | "identity" | "none";
export const SHORTCUT_MODES: ShortcutMode[] = ["A", "B", "C", "D", "identity", "none"];

/** The option a word names (a, b, c, d in either case), or null (the shortcut-options rule reports it). */
export function shortcutMode(value: string): ShortcutMode | null {
  const v = /^[a-d]$/.test(value) ? value.toUpperCase() : value;
  return (SHORTCUT_MODES as string[]).includes(v) ? (v as ShortcutMode) : null;
}

export interface BlockInstance {
  type: string;
  /** 1-based position in its stage (conv3_1 is 1). */
  index: number;
  layers: LayerSpec[];
  post: "relu" | "none";
  shortcut: ShortcutMode;
  /** The stride the stage asked for (shape inference derives the real one). */
  stride: number;
  /** Where the stage that made this block is written. */
  span: Span;
  /** Stochastic depth: the probability that the residual branch is dropped in training (0: never). */
  dropPath?: number;
}

export type Section =
  | { kind: "layers"; group: string; layers: LayerSpec[] }
  | {
      kind: "stage";
      name: string;
      blocks: BlockInstance[];
      span: Span;
      /** A `stage` statement's own `drop_path P` (overrides the model's). */
      dropPath?: number;
    };

export interface ModelInstance {
  name: string;
  variant: string | null;
  input: [number, number, number];
  inputSpan: Span;
  sections: Section[];
  recipe: TrainRecipe;
  span: Span;
  /** The `head { ... }` statement. */
  headSpan: Span;
}
