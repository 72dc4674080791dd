// The training recipe of a checked model: what a spec's `train { ... }` section says, with defaults
// filled in. The compiler produces it; runtime/train consumes it. Flags of `resnetc train` override it.

export type Unit = "iteration" | "epoch";

export interface StepSchedule {
  /** When the learning rate is divided; counted in `unit`s from the start of training. */
  milestones: number[];
  /** The learning rate is multiplied by this at every milestone (the paper: 0.1). */
  factor: number;
  unit: Unit;
}

export interface Warmup {
  /** Learning rate used during the warm-up. */
  lr: number;
  /** Warm up for this many iterations at most. */
  iterations: number;
  /** Stop warming up earlier once the running training error falls below this (0..1); the paper's ResNet-110 uses 0.8. */
  untilTrainError?: number;
}

export interface Augmentation {
  /** Zero-pad each side by this many pixels before the random crop (CIFAR: 4). */
  pad: number;
  /** Random crop of this size (CIFAR: 32, ImageNet: 224); 0 = no crop. */
  randomCrop: number;
  /** Random horizontal flip. */
  flip: boolean;
  /** ImageNet scale augmentation: shorter side resized to a random size in [min, max]; null = off. */
  scale: [number, number] | null;
}

export interface TrainRecipe {
  optimizer: "sgd";
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  batchSize: number;
  lr: number;
  schedule: StepSchedule;
  warmup: Warmup | null;
  /** Stop after this many epochs, or after `stopIteration` iterations, whichever comes first. */
  epochs: number;
  stopIteration: number | null;
  augment: Augmentation;
  /** Per-pixel mean subtraction (mean computed on the training set and stored with the model). */
  normalize: "per_pixel_mean" | "none";
  /** Default data source for `resnetc train` when --data is not given (e.g. "mnist"). */
  data: string | null;
  /** Layer groups (stem groups and stages) whose weights and BN statistics stay fixed; null = none. */
  freeze: string[] | null;
}

export const DEFAULT_RECIPE: TrainRecipe = {
  optimizer: "sgd",
  momentum: 0.9,
  weightDecay: 1e-4,
  nesterov: false,
  batchSize: 128,
  lr: 0.1,
  schedule: { milestones: [], factor: 0.1, unit: "epoch" },
  warmup: null,
  epochs: 10,
  stopIteration: null,
  augment: { pad: 0, randomCrop: 0, flip: false, scale: null },
  normalize: "per_pixel_mean",
  data: null,
  freeze: null,
};
