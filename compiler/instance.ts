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
      span: Span;
    }
  | { op: "bn"; span: Span }
  | { op: "relu"; span: Span }
  | { op: "maxpool" | "avgpool"; pool: [number, number]; stride: number; pad: Padding; span: Span }
  | { op: "globalavg" | "globalmax"; span: Span }
  | { op: "fc"; units: number; span: Span }
  | { op: "softmax"; span: Span }
  | { op: "flatten"; span: Span };

/** A: identity, zero-padded channels; B: projection where the shape changes; C: projection always. */
export type ShortcutMode = "A" | "B" | "C" | "identity" | "none";
export const SHORTCUT_MODES: ShortcutMode[] = ["A", "B", "C", "identity", "none"];

/** The option a word names (a, b, c in either case), or null (the shortcut-options rule reports it). */
export function shortcutMode(value: string): ShortcutMode | null {
  const v = value === "a" || value === "b" || value === "c" ? value.toUpperCase() : value;
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
}

export type Section =
  | { kind: "layers"; group: string; layers: LayerSpec[] }
  | { kind: "stage"; name: string; blocks: BlockInstance[]; span: Span };

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
