// Messages between the training loop and its data-parallel worker threads (worker.ts).
// Arrays travel as Float32Array / Int32Array copies (or transfers); nothing is shared.
import type { IrGraph } from "../../../compiler/ir/types.js";

/** Sent once: what a worker needs to build the same model on the same backend. */
export interface InitMessage {
  type: "init";
  /** tfjs backend to run on ("wasm" or "cpu"). */
  backend: string;
  /** The model's topology, `model.toJSON(null, false)`. */
  topology: unknown;
  /** Modules to import before the model is built: they register custom layer classes. */
  layerModules: string[];
  /** Every weight of the model (trainable or not) in model order: name and shape, to check. */
  weights: { name: string; shape: number[] }[];
  /** Names of the trainable weights whose gradients are wanted, in the order they come back. */
  trainable: string[];
  /** The graph the model was lowered from (no weights), to train through the executor; null: the layers model. */
  graph: IrGraph | null;
}

/** One share of a batch, with the weights to compute it with. */
export interface StepMessage {
  type: "step";
  id: number;
  /** Values of every weight, in InitMessage.weights order. */
  weights: Float32Array[];
  /** n images, NHWC, and their class ids. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  shape: [number, number, number];
}

/**
 * Inference on the worker's threads too (eval, predict, each epoch's test pass): set every weight
 * (InitMessage.weights order) and compile the inference graph from them; answered by "loaded".
 */
export interface LoadMessage {
  type: "load";
  id: number;
  weights: Float32Array[];
}

/** Logits of n images (NHWC) with the weights last loaded; answered by "logits". */
export interface InferMessage {
  type: "infer";
  id: number;
  x: Float32Array;
  n: number;
  shape: [number, number, number];
}

export type ToWorker = InitMessage | StepMessage | LoadMessage | InferMessage | { type: "close" };

export interface ReadyMessage {
  type: "ready";
  backend: string;
}

export interface ResultMessage {
  type: "result";
  id: number;
  loss: number;
  errors: number;
  /** Gradients in InitMessage.trainable order. */
  grads: Float32Array[];
  /** Values of the non-trainable weights after the step (batch norm's moving averages), in model order. */
  state: Float32Array[];
}

export interface LoadedMessage {
  type: "loaded";
  id: number;
  /** What runs: "compiled (...)" or "layers model". */
  kind: string;
}

export interface LogitsMessage {
  type: "logits";
  id: number;
  /** n x classes, row-major. */
  logits: Float32Array;
  classes: number;
}

export interface FailMessage {
  type: "error";
  id: number | null;
  message: string;
}

export type FromWorker = ReadyMessage | ResultMessage | LoadedMessage | LogitsMessage | FailMessage;

/** The answers that carry a request's id. */
export type Answer = ResultMessage | LoadedMessage | LogitsMessage;
