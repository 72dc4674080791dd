// The training loss as one kernel and its gradient as another, instead of the 27 kernel calls of
// logSoftmax, oneHot, multiply, sum, mean, negate and their gradients, plus the 5 of the error count:
//
//   [loss, probs, errors] = ResnetcSoftmaxCrossEntropy(logits [n, k] float32, labels [n] int32)
//     loss   = -mean_i log softmax(logits_i)[labels_i]   (float32 scalar)
//     probs  = softmax(logits)                           (saved for the gradient)
//     errors = #{i : argmax_i != labels_i}               (int32 scalar; first maximum wins)
//   dlogits = ResnetcSoftmaxCrossEntropyGrad(dy, probs, labels) = dy * (probs - onehot) / n
//
// The logits are a batch of class scores (n x k, tiny next to the network), so both run as JS
// loops in float64 with float32 results, on wasm and cpu alike (read with readSync, written as a
// new tensor). Registered for wasm and cpu; other backends keep the op path (runtime/train/loss.ts).

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { traceRoute } from "./route_trace.js";

export const SOFTMAX_CE_KERNEL = "ResnetcSoftmaxCrossEntropy";
export const SOFTMAX_CE_GRAD_KERNEL = "ResnetcSoftmaxCrossEntropyGrad";

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

interface BackendLike {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
}

/** A new tensor with `values` on `backend` (cpu: makeTensorInfo; wasm: makeOutput). */
function output(
  backend: unknown,
  shape: number[],
  dtype: "float32" | "int32",
  values: Float32Array | Int32Array,
): tf.TensorInfo {
  const b = backend as {
    makeTensorInfo?: (s: number[], d: string, v: typeof values) => tf.TensorInfo;
    makeOutput?: (s: number[], d: string, offset?: number, v?: typeof values) => tf.TensorInfo;
  };
  // cpu also has a makeOutput, with other parameters (values first) and a Tensor for a result.
  if (b.makeTensorInfo !== undefined) return b.makeTensorInfo(shape, dtype, values);
  return b.makeOutput!(shape, dtype, undefined, values);
}

/** Loss, softmax probabilities and top-1 errors of float32 logits [n, k] and labels [n]. */
export function softmaxCrossEntropyJs(logits: Float32Array, labels: Int32Array, k: number) {
  const n = labels.length;
  const probs = new Float32Array(n * k);
  let sum = 0;
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      if (logits[row + j]! > max) {
        max = logits[row + j]!;
        arg = j;
      }
    }
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(logits[row + j]! - max);
    for (let j = 0; j < k; j++) probs[row + j] = Math.exp(logits[row + j]! - max) / z;
    sum += logits[row + labels[i]!]! - max - Math.log(z);
    if (arg !== labels[i]) errors++;
  }
  return { loss: -sum / n, probs, errors };
}

function forward(args: KernelArgs): tf.TensorInfo[] {
  const { logits, labels } = args.inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo };
  const [n, k] = logits.shape as [number, number];
  if (logits.dtype !== "float32" || labels.dtype !== "int32" || labels.shape[0] !== n) {
    throw new Error(`${SOFTMAX_CE_KERNEL}: float32 logits [n, k] and int32 labels [n] expected`);
  }
  const b = args.backend as BackendLike;
  const x = b.readSync(logits.dataId) as Float32Array;
  const y = b.readSync(labels.dataId) as Int32Array;
  traceRoute(SOFTMAX_CE_KERNEL, "js");
  const r = softmaxCrossEntropyJs(x, y, k);
  return [
    output(args.backend, [], "float32", Float32Array.of(r.loss)),
    output(args.backend, [n, k], "float32", r.probs),
    output(args.backend, [], "int32", Int32Array.of(r.errors)),
  ];
}

function backward(args: KernelArgs): tf.TensorInfo {
  const { dy, probs, labels } = args.inputs as Record<string, tf.TensorInfo>;
  const [n, k] = probs!.shape as [number, number];
  const b = args.backend as BackendLike;
  const g = Float32Array.from(b.readSync(probs!.dataId) as Float32Array);
  const y = b.readSync(labels!.dataId) as Int32Array;
  const scale = (b.readSync(dy!.dataId) as Float32Array)[0]! / n;
  for (let i = 0; i < n; i++) g[i * k + y[i]!]! -= 1;
  for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale;
  traceRoute(SOFTMAX_CE_GRAD_KERNEL, "js");
  return output(args.backend, [n, k], "float32", g);
}

/** Registers both kernels for wasm and cpu, and the loss's gradient (idempotent). */
export function registerSoftmaxCrossEntropy(): void {
  for (const backendName of ["wasm", "cpu"]) {
    const kernels: [string, (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]][] = [
      [SOFTMAX_CE_KERNEL, forward],
      [SOFTMAX_CE_GRAD_KERNEL, backward],
    ];
    for (const [kernelName, kernelFunc] of kernels) {
      if (tf.getKernel(kernelName, backendName) != null) continue;
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
    }
  }
  if (tf.getGradient(SOFTMAX_CE_KERNEL) != null) return;
  tf.registerGradient({
    kernelName: SOFTMAX_CE_KERNEL,
    inputsToSave: ["labels"],
    outputsToSave: [false, true, false],
    gradFunc: (dy, saved) => {
      const [labels, probs] = saved as [tf.Tensor, tf.Tensor];
      const dLoss = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
      return {
        logits: () =>
          tf.engine().runKernel(SOFTMAX_CE_GRAD_KERNEL, { dy: dLoss, probs, labels }) as tf.Tensor,
        labels: () => tf.zeros(labels.shape),
      };
    },
  });
}

/** Whether the active backend has the fused loss. */
export function softmaxCrossEntropyKernelAvailable(): boolean {
  return tf.getKernel(SOFTMAX_CE_KERNEL, tf.getBackend()) != null;
}
