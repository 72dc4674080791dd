// The parts every resnetc wasm kernel shares: the arguments tfjs passes a kernel function, the
// fall-back to the backend's original kernel, and the KernelConfig that replaces the original
// (keeping its setupFunc, which binds the original's C function, for the cases that fall back).

import * as tf from "@tensorflow/tfjs-core";

/** What tfjs passes a kernel function. */
export type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
};

/** Runs the backend's original kernel `name` (throws when there is none). */
export function callOriginal(
  original: tf.KernelConfig | undefined,
  name: string,
  args: KernelArgs,
): tf.TensorInfo {
  if (original == null) throw new Error(`resnetc ${name}: no original kernel to fall back to`);
  return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/** The wasm KernelConfig for `kernelFunc`, keeping the original kernel's setupFunc. */
export function wasmKernelConfig(
  kernelName: string,
  original: tf.KernelConfig | undefined,
  kernelFunc: (args: KernelArgs) => tf.TensorInfo,
): tf.KernelConfig {
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    setupFunc: original?.setupFunc,
  };
}
