// A data-parallel training worker: builds the model from its topology on its own tfjs backend
// (its own wasm heap), then for each step message sets the weights it is sent, computes the loss
// and gradients of its share of the batch, and sends them back with its batch-norm state.
import { parentPort } from "node:worker_threads";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { selectBackend } from "../../backends/index.js";
import { logitsModel } from "../evaluate.js";
import { applyFrozen, movingState } from "../freeze.js";
import { executorForward } from "../executor.js";
import { layersForward, lossAndGradients, type TrainingForward } from "../gradients.js";
import type { IrGraph } from "../../../compiler/ir/types.js";
import { type Classifier, compiledClassifier, layersClassifier } from "../../infer/classifier.js";
import type {
  FromWorker,
  InferMessage,
  InitMessage,
  LoadMessage,
  StepMessage,
  ToWorker,
} from "./protocol.js";

if (parentPort === null)
  throw new Error("runtime/train/parallel/worker.js runs as a worker thread");
const port = parentPort;

interface Replica {
  model: tfl.LayersModel;
  graph: IrGraph | null;
  /** The inference graph compiled from the weights last loaded (a "load" message). */
  classifier: Classifier | null;
  forward: TrainingForward;
  all: tf.Variable[];
  trainable: tf.Variable[];
  state: tf.Variable[];
}
let replica: Replica | null = null;

function send(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

async function init(m: InitMessage): Promise<void> {
  const chosen = await selectBackend(m.backend);
  for (const spec of m.layerModules) await import(spec);
  const model = await tfl.models.modelFromJSON({
    modelTopology: m.topology as tf.io.ModelJSON["modelTopology"],
  });
  applyFrozen(model);
  const ws = model.weights;
  const names = ws.map((w) => w.originalName);
  const same =
    ws.length === m.weights.length &&
    m.weights.every((w, i) => w.name === names[i] && w.shape.join(",") === ws[i]!.shape.join(","));
  if (!same) throw new Error("the worker's model does not have the same weights as the trainer's");
  const byName = new Map(ws.map((w) => [w.originalName, w]));
  const logits = logitsModel(model);
  if (logits === null) throw new Error("the model has no logits layer");
  replica = {
    model,
    graph: m.graph,
    classifier: null,
    forward: m.graph === null ? layersForward(logits) : executorForward(m.graph, model),
    all: ws.map((w) => w.read() as tf.Variable),
    trainable: m.trainable.map((n) => byName.get(n)!.read() as tf.Variable),
    state: movingState(model).map((w) => w.read() as tf.Variable),
  };
  send({ type: "ready", backend: chosen.name });
}

function setWeights(r: Replica, weights: Float32Array[]): void {
  r.all.forEach((v, i) => {
    tf.tidy(() => v.assign(tf.tensor(weights[i]!, v.shape, "float32")));
  });
}

async function load(m: LoadMessage): Promise<void> {
  const r = replica;
  if (r === null) throw new Error("load before init");
  setWeights(r, m.weights);
  r.classifier?.dispose();
  r.classifier =
    r.graph === null ? layersClassifier(r.model) : await compiledClassifier(r.graph, r.model);
  send({ type: "loaded", id: m.id, kind: r.classifier.kind });
}

async function infer(m: InferMessage): Promise<void> {
  const c = replica?.classifier;
  if (!c) throw new Error("infer before load");
  const x = tf.tensor4d(m.x, [m.n, ...m.shape]);
  const logits = await c.logits(x).finally(() => x.dispose());
  const values = Float32Array.from((await logits.data()) as Float32Array);
  const classes = logits.shape[1];
  logits.dispose();
  send({ type: "logits", id: m.id, logits: values, classes }, [values.buffer as ArrayBuffer]);
}

async function step(m: StepMessage): Promise<void> {
  const r = replica;
  if (r === null) throw new Error("step before init");
  setWeights(r, m.weights);
  const x = tf.tensor4d(m.x, [m.n, ...m.shape]);
  const y = tf.tensor1d(m.y, "int32");
  try {
    const g = await lossAndGradients(r.forward, x, y, r.trainable);
    try {
      const grads = await Promise.all(
        r.trainable.map(async (v) => {
          const t = g.grads[v.name];
          if (t === undefined) return new Float32Array(v.size);
          return Float32Array.from((await t.data()) as Float32Array);
        }),
      );
      const state = await Promise.all(
        r.state.map(async (v) => Float32Array.from((await v.data()) as Float32Array)),
      );
      send({ type: "result", id: m.id, loss: g.loss, errors: g.errors, grads, state }, [
        ...grads.map((a) => a.buffer as ArrayBuffer),
        ...state.map((a) => a.buffer as ArrayBuffer),
      ]);
    } finally {
      tf.dispose(g.grads);
    }
  } finally {
    tf.dispose([x, y]);
  }
}

port.on("message", (m: ToWorker) => {
  if (m.type === "close") {
    port.close();
    return;
  }
  const run =
    m.type === "init"
      ? init(m)
      : m.type === "step"
        ? step(m)
        : m.type === "load"
          ? load(m)
          : infer(m);
  run.catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    send({ type: "error", id: m.type === "init" ? null : m.id, message });
  });
});
