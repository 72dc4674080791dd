// A safety net for kernels tfjs-backend-wasm 4.22 lacks and a ResNet variant could still reach
// in training (depthwise-conv gradients, the gather gradient's UnsortedSegmentSum, einsum): they
// run on the cpu backend's kernel with their inputs copied off the wasm heap and the outputs
// copied back. Correct but slow; the kernels a standard ResNet step needs have real wasm kernels.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { traceRoute } from "./route_trace.js";
import { asWasmBackend } from "./wasm_heap.js";

/** Missing-in-wasm kernels worth delegating (present in tfjs-backend-cpu 4.22). */
export const CPU_DELEGATED_KERNELS = [
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
  "UnsortedSegmentSum",
  "Einsum",
] as const;

interface CpuBackendLike {
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId;
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

export function makeCpuDelegateConfig(cpuKernel: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: {
    inputs: tf.NamedTensorInfoMap;
    backend: unknown;
    attrs?: tf.NamedAttrMap;
  }): tf.TensorInfo | tf.TensorInfo[] => {
    traceRoute(cpuKernel.kernelName, "cpu");
    const wasm = asWasmBackend(args.backend);
    const cpu = tf.findBackend("cpu") as unknown as CpuBackendLike | null;
    if (cpu == null) {
      throw new Error(
        `resnetc: wasm has no '${cpuKernel.kernelName}' kernel and the cpu backend it would ` +
          "borrow is not available",
      );
    }
    const cpuInputs: tf.NamedTensorInfoMap = {};
    const written: tf.DataId[] = [];
    for (const [name, t] of Object.entries(args.inputs)) {
      if (t == null) continue;
      const dataId = cpu.write(wasm.readSync(t.dataId), t.shape, t.dtype);
      written.push(dataId);
      cpuInputs[name] = { dataId, shape: t.shape, dtype: t.dtype };
    }
    try {
      const out = cpuKernel.kernelFunc({
        inputs: cpuInputs,
        attrs: args.attrs ?? {},
        backend: cpu as unknown as tf.KernelBackend,
      });
      const outs = Array.isArray(out) ? out : [out];
      const moved = outs.map((o) => {
        const values = cpu.readSync(o.dataId);
        cpu.disposeData(o.dataId, true);
        return wasm.makeOutput(o.shape, o.dtype, undefined, values);
      });
      return Array.isArray(out) ? moved : moved[0];
    } finally {
      for (const id of written) cpu.disposeData(id, true);
    }
  };
  return {
    kernelName: cpuKernel.kernelName,
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
