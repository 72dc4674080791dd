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
import type { FromWorker, InitMessage, StepMessage, ToWorker } from "./protocol.js";

if (parentPort === null)
  throw new Error("runtime/train/parallel/worker.js runs as a worker thread");
const port = parentPort;

interface Replica {
  model: tfl.LayersModel;
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
    forward: m.graph === null ? layersForward(logits) : executorForward(m.graph, model),
    all: ws.map((w) => w.read() as tf.Variable),
    trainable: m.trainable.map((n) => byName.get(n)!.read() as tf.Variable),
    state: movingState(model).map((w) => w.read() as tf.Variable),
  };
  send({ type: "ready", backend: chosen.name });
}

async function step(m: StepMessage): Promise<void> {
  const r = replica;
  if (r === null) throw new Error("step before init");
  r.all.forEach((v, i) => {
    tf.tidy(() => v.assign(tf.tensor(m.weights[i]!, v.shape, "float32")));
  });
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
  const run = m.type === "init" ? init(m) : step(m);
  run.catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    send({ type: "error", id: m.type === "step" ? m.id : null, message });
  });
});
