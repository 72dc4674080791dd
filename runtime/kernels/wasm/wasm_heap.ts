// Direct access to the wasm backend's tensors: its heap, its data-id table and its own kernels.
// The wasm backend keeps every tensor in one emscripten heap (a WebAssembly.Memory); a kernel
// written here reads and writes that heap through typed-array views, and calls the backend's
// existing kernels (which run XNNPACK or C++ loops on the same heap) without going through the
// engine, so intermediates are not tracked by tf.tidy and must be released with `release`.

import * as tf from "@tensorflow/tfjs-core";

/** The parts of the emscripten module the kernels here use. */
export interface WasmModuleLike {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPF32: Float32Array;
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernels here use. */
export interface WasmBackendLike {
  wasm: WasmModuleLike;
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number } | undefined };
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues,
  ): tf.TensorInfo;
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** The emscripten glue's getHeapMax(): 4 GiB minus one 64 KiB page (wasm32 addresses). */
const WASM32_HEAP_MAX_BYTES = 4294901760;

/**
 * The most memory the wasm backend can ever hold: all tensors, XNNPACK's packed weights and
 * scratch buffers share one wasm32 heap capped just under 4 GiB, whatever the machine has. An
 * allocation beyond it aborts the backend, so a trainer should keep its activation estimate
 * well below this (activations, gradients and the temporaries of the backward pass).
 */
export function wasmHeapLimitBytes(): number {
  return WASM32_HEAP_MAX_BYTES;
}

/**
 * Bytes the wasm heap has grown to so far (it never shrinks), or null when the wasm backend has
 * not been initialised in this process.
 */
export function wasmHeapSizeBytes(): number | null {
  const backend = tf.engine().registry["wasm"] as unknown as WasmBackendLike | undefined;
  return backend?.wasm?.HEAPU8 ? backend.wasm.HEAPU8.length : null;
}

export function asWasmBackend(backend: unknown): WasmBackendLike {
  return backend as WasmBackendLike;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackendLike, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data == null) throw new Error("resnetc wasm kernel: tensor is not on the wasm backend");
  return data.memoryOffset;
}

/**
 * A Float32Array view of a float32 tensor on the wasm heap. Views are invalidated when the heap
 * grows (any allocation may grow it), so take them after the last allocation of a kernel.
 */
export function f32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  const size = tf.util.sizeFromShape(t.shape);
  return new Float32Array(backend.wasm.HEAPU8.buffer, offsetOf(backend, t), size);
}

/** Element offset into HEAPF32 / HEAP32 (4-byte types) of a tensor's first element. */
export function index32(backend: WasmBackendLike, t: tf.TensorInfo): number {
  return offsetOf(backend, t) >>> 2;
}

/** Runs one of the wasm backend's registered kernels directly (no engine, no tape). */
export function runWasmKernel(
  backend: WasmBackendLike,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, "wasm");
  if (kernel == null) throw new Error(`resnetc wasm kernel: '${kernelName}' is not registered`);
  const out = kernel.kernelFunc({
    inputs,
    attrs,
    backend: backend as unknown as tf.KernelBackend,
  });
  if (Array.isArray(out)) throw new Error(`resnetc wasm kernel: '${kernelName}' gave many outputs`);
  return out;
}

/** Frees an intermediate made inside a kernel (not registered with the engine). */
export function release(backend: WasmBackendLike, ...infos: (tf.TensorInfo | null)[]): void {
  // Not forced: a kernel may have returned its input with an extra reference (Identity, Reshape),
  // and dropping that reference must not free the input.
  for (const t of infos) if (t != null) backend.disposeData(t.dataId);
}
