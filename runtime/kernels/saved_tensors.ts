// Tensors saved for the backward pass without a kernel call each. While a tape records, tfjs-core's
// engine keeps every input or output a gradient needs through `engine.clone(t)`: an Identity
// kernel call plus a tape node of its own (with a Cast gradient that never runs: the copy feeds
// nothing), for about 550 tensors per ResNet-20 step. Tensors are immutable, so a saved tensor may
// share its data: here clone makes a new Tensor on the same data id and takes one more reference
// to it on its backend (what resnetc's wasm Identity and the engine's own variables do), without
// the kernel call and the node. The engine calls `clone` only to save tensors (tfjs-core 4.22:
// saveTensorsForBackwardMode and customGrad's save function); the public tf.clone op is separate
// and unchanged. A backend without incRef keeps the original clone.

import * as tf from "@tensorflow/tfjs-core";

interface BackendRefs {
  incRef?(dataId: tf.DataId): void;
}

interface EngineLike {
  clone(x: tf.Tensor): tf.Tensor;
  nextTensorId(): number;
  trackTensor(t: tf.Tensor, backend: unknown): void;
  state: { tensorInfo: { get(id: tf.DataId): { backend: BackendRefs } | undefined } };
}

const ORIGINAL = Symbol.for("resnetc.engineClone");

type Patched = EngineLike & { [ORIGINAL]?: (x: tf.Tensor) => tf.Tensor };

/** Whether the engine's clone is resnetc's sharing one. */
export function sharedSavesInstalled(): boolean {
  return (tf.engine() as unknown as Patched)[ORIGINAL] !== undefined;
}

/** Installs the sharing clone on tfjs-core's engine (idempotent). */
export function installSharedSaves(): void {
  const engine = tf.engine() as unknown as Patched;
  if (engine[ORIGINAL] !== undefined) return;
  const original = engine.clone;
  if (typeof original !== "function" || typeof engine.trackTensor !== "function") return;
  engine[ORIGINAL] = original;
  const TensorClass = tf.Tensor as unknown as new (
    shape: number[],
    dtype: tf.DataType,
    dataId: tf.DataId,
    id: number,
  ) => tf.Tensor;
  engine.clone = function (this: EngineLike, x: tf.Tensor): tf.Tensor {
    const backend = this.state.tensorInfo.get(x.dataId)?.backend;
    if (backend?.incRef === undefined) return original.call(this, x);
    const y = new TensorClass([...x.shape], x.dtype, x.dataId, this.nextTensorId());
    backend.incRef(x.dataId);
    this.trackTensor(y, backend);
    return y;
  };
}

/** Puts tfjs-core's own clone back (for the specs that compare the two). */
export function uninstallSharedSaves(): void {
  const engine = tf.engine() as unknown as Patched;
  const original = engine[ORIGINAL];
  if (original === undefined) return;
  engine.clone = original;
  delete engine[ORIGINAL];
}
