// Identity and same-dtype Cast for the wasm backend, replacing tfjs-backend-wasm 4.22's, which copy
// the whole tensor. Tensors are immutable, so the output shares the input's data and only takes a
// reference to it (as Reshape does on wasm, and Identity on the cpu and webgl backends). Autodiff
// and tfjs-layers call Identity often on whole activations (about 220 calls in a ResNet-20 step).
// Strings, and casts that change the dtype, go to the original kernels.

import * as tf from "@tensorflow/tfjs-core";
import { callOriginal, wasmKernelConfig, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

function share(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function makeIdentityConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return callOriginal(original, "Identity", args);
    traceRoute(tf.Identity, "shared");
    return share(args.backend, x);
  };
  return wasmKernelConfig(tf.Identity, original, kernelFunc);
}

export function makeCastConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (x.dtype === "string" || dtype !== x.dtype) return callOriginal(original, "Cast", args);
    traceRoute(tf.Cast, "shared");
    return share(args.backend, x);
  };
  return wasmKernelConfig(tf.Cast, original, kernelFunc);
}
