// Identity and same-dtype Cast for the wasm backend, replacing tfjs-backend-wasm 4.22's, which copy
// the whole tensor. Tensors are immutable, so the output shares the input's data and only takes a
// reference to it (as Reshape does on wasm, and Identity on the cpu and webgl backends). Autodiff
// and tfjs-layers call Identity often on whole activations (about 220 calls in a ResNet-20 step).
// Strings, and casts that change the dtype, go to the original kernels.

import * as tf from "@tensorflow/tfjs-core";

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
};

function share(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

function fallback(original: tf.KernelConfig | undefined, name: string, args: KernelArgs) {
  if (original == null) throw new Error(`resnetc ${name}: no original kernel to fall back to`);
  return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

export function makeIdentityConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return fallback(original, "Identity", args);
    return share(args.backend, x);
  };
  return {
    kernelName: tf.Identity,
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    setupFunc: original?.setupFunc,
  };
}

export function makeCastConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (x.dtype === "string" || dtype !== x.dtype) return fallback(original, "Cast", args);
    return share(args.backend, x);
  };
  return {
    kernelName: tf.Cast,
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    setupFunc: original?.setupFunc,
  };
}
