// The parts every resnetc wasm kernel shares: the arguments tfjs passes a kernel function, the
// fall-back to the backend's original kernel, and the KernelConfig that replaces the original
// (keeping its setupFunc, which binds the original's C function, for the cases that fall back),
// gated by the check of tfjs-backend-wasm's internals (internals.ts).

import * as tf from "@tensorflow/tfjs-core";
import { wasmInternalsOk, wasmInternalsProblem } from "./internals.js";
import { traceRoute } from "./route_trace.js";

/** What tfjs passes a kernel function. */
export type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
};

/** The route a kernel takes when the backend's internals are not what resnetc expects. */
export const INTERNALS_DIFFER_ROUTE = "stock (internals differ)";

/**
 * Runs the backend's original kernel `name` (throws when there is none), traced as `route`
 * (route_trace.ts).
 */
export function callOriginal(
  original: tf.KernelConfig | undefined,
  name: string,
  args: KernelArgs,
  route = "stock",
): tf.TensorInfo {
  if (original == null) throw new Error(`resnetc ${name}: no original kernel to fall back to`);
  traceRoute(name, route);
  return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/** Whether resnetc's kernels may read this wasm backend's internals (checked once per backend). */
export function internalsOk(backend: unknown): boolean {
  return wasmInternalsOk(backend, hasWasmKernel);
}

const hasWasmKernel = (name: string) => tf.getKernel(name, "wasm") != null;

/**
 * Checks the initialised wasm backend's internals now (at start-up, before a kernel runs): the
 * warning naming what differs, or null when they are as expected (or wasm is not initialised).
 */
export function checkWasmBackendInternals(): string | null {
  const backend = tf.engine().registry["wasm"];
  if (backend != null) internalsOk(backend);
  return wasmInternalsProblem();
}

/**
 * The wasm KernelConfig for `kernelFunc`, keeping the original kernel's setupFunc; the original
 * runs instead when the backend's internals differ from what resnetc's kernels read.
 */
export function wasmKernelConfig(
  kernelName: string,
  original: tf.KernelConfig | undefined,
  kernelFunc: (args: KernelArgs) => tf.TensorInfo,
): tf.KernelConfig {
  const gated = (args: KernelArgs): tf.TensorInfo =>
    internalsOk(args.backend)
      ? kernelFunc(args)
      : callOriginal(original, kernelName, args, INTERNALS_DIFFER_ROUTE);
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: gated as unknown as tf.KernelFunc,
    setupFunc: original?.setupFunc,
  };
}
