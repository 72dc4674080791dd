// The fused SGD-with-momentum update, one kernel call per variable instead of the five to seven
// element-wise kernels (and their scalar tensors) of SgdMomentum's op-by-op path:
//
//   [w', v'] = ResnetcSgdMomentum(w, g, v; lr, momentum, weightDecay, nesterov, decay)
//
// with the float32 operations of runtime/train/optimizer.ts in the same order (simd/sgd_loops.ts),
// so both paths give the same bits. v' is returned only with momentum (else v is left alone).
// Registered for wasm (a SIMD loop over the heap, routes "simd", or "js" when resnetc's SIMD
// loops are off) and cpu (a JS loop, route "js"). Backends without it (webgpu) keep the op path.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { internalsOk } from "./kernel_config.js";
import { envVar } from "./process-env.js";
import { traceRoute } from "./route_trace.js";
import { SIMD_ENV } from "./simd_module.js";
import { backendMemory, HeapModule } from "./heap_module.js";
import { SGD_VARIANTS, sgdLoop, sgdLoopName } from "./simd/sgd_loops.js";
import { asWasmBackend, index32, offsetOf, release, type WasmModuleLike } from "./wasm_heap.js";

export const SGD_KERNEL = "ResnetcSgdMomentum";

export interface SgdAttrs {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  /** Apply the weight decay to this variable. */
  decay: boolean;
}

/**
 * The update in JS over elements [from, to), with one float32 rounding per operation, as the
 * element-wise kernels do. wOut/vOut may alias w/v.
 */
export function sgdUpdateJs(
  a: SgdAttrs,
  w: Float32Array,
  g: Float32Array,
  v: Float32Array,
  wOut: Float32Array,
  vOut: Float32Array | null,
  from = 0,
  to = w.length,
): void {
  const f = Math.fround;
  const [lr, m, wd] = [f(a.lr), f(a.momentum), f(a.weightDecay)];
  const decay = a.decay && a.weightDecay !== 0;
  for (let i = from; i < to; i++) {
    const wi = w[i]!;
    const d = decay ? f(g[i]! + f(wi * wd)) : g[i]!;
    let u = d;
    if (vOut !== null) {
      const vn = f(f(v[i]! * m) + d);
      vOut[i] = vn;
      u = a.nesterov ? f(d + f(vn * m)) : vn;
    }
    wOut[i] = f(wi - f(u * lr));
  }
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function parts(args: KernelArgs) {
  const { w, g, v } = args.inputs as { w: tf.TensorInfo; g: tf.TensorInfo; v: tf.TensorInfo };
  const a = args.attrs as unknown as SgdAttrs;
  for (const t of [w, g, v]) {
    if (t.dtype !== "float32" || tf.util.sizeFromShape(t.shape) !== tf.util.sizeFromShape(w.shape))
      throw new Error(`${SGD_KERNEL}: w, g and v must be float32 of one size`);
  }
  return { w, g, v, a, momentum: a.momentum !== 0 };
}

// ---- wasm: the SIMD loops, in their own small module over the backend's memory ----

type SgdLoop = (...ptrs: number[]) => void;
const sgdModule = new HeapModule<Record<string, SgdLoop>>({
  name: "optimizer module",
  funcs: () => Object.values(SGD_VARIANTS).map(sgdLoop),
  fallback: null, // the JS loop below does the same work; simd_module.ts warns about SIMD
});

/** The loops bound to this heap, or null (SIMD off, no shared memory, no wasm SIMD). */
function sgdLoops(wasm: WasmModuleLike): Record<string, SgdLoop> | null {
  if (envVar(SIMD_ENV) === "off") return null;
  const memory = backendMemory(wasm);
  return memory === null ? null : sgdModule.on(memory);
}

function wasmKernel(args: KernelArgs): tf.TensorInfo[] {
  const { w, g, v, a, momentum } = parts(args);
  const backend = asWasmBackend(args.backend);
  const wOut = backend.makeOutput([...w.shape], "float32");
  const vOut = momentum ? backend.makeOutput([...v.shape], "float32") : null;
  const hyper = backend.makeOutput([4], "float32");
  // Heap views and offsets after the last allocation (an allocation may grow the heap).
  const heap = backend.wasm.HEAPF32;
  heap.set([a.lr, a.momentum, a.decay ? a.weightDecay : 0, 0], index32(backend, hyper));
  const n = tf.util.sizeFromShape(w.shape);
  const view = (t: tf.TensorInfo) => heap.subarray(index32(backend, t), index32(backend, t) + n);
  const loops = sgdLoops(backend.wasm);
  const variant = { decay: a.decay && a.weightDecay !== 0, momentum, nesterov: a.nesterov };
  const n4 = loops === null ? 0 : n - (n % 4);
  if (loops !== null) {
    const ptr = (t: tf.TensorInfo | null) => (t === null ? 0 : offsetOf(backend, t));
    const loop = loops[sgdLoopName(variant)]!;
    loop(ptr(w), ptr(g), ptr(v), n4 * 4, ptr(hyper), ptr(wOut), ptr(vOut));
  }
  traceRoute(SGD_KERNEL, loops === null ? "js" : "simd");
  sgdUpdateJs(a, view(w), view(g), view(v), view(wOut), vOut && view(vOut), n4, n);
  release(backend, hyper);
  return vOut === null ? [wOut] : [wOut, vOut];
}

// ---- cpu: the JS loop ----

interface CpuBackendLike {
  data: { get(id: tf.DataId): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuKernel(args: KernelArgs): tf.TensorInfo[] {
  const { w, g, v, a, momentum } = parts(args);
  const backend = args.backend as CpuBackendLike;
  const values = (t: tf.TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
  const n = tf.util.sizeFromShape(w.shape);
  const wNew = new Float32Array(n);
  const vNew = momentum ? new Float32Array(n) : null;
  traceRoute(SGD_KERNEL, "js");
  sgdUpdateJs(a, values(w), values(g), values(v), wNew, vNew);
  const wOut = backend.makeTensorInfo([...w.shape], "float32", wNew);
  return vNew === null ? [wOut] : [wOut, backend.makeTensorInfo([...v.shape], "float32", vNew)];
}

/** Registers the kernel for wasm and cpu (idempotent). */
export function registerSgdKernels(): void {
  const kernels: [string, (args: KernelArgs) => tf.TensorInfo[]][] = [
    ["wasm", wasmKernel],
    ["cpu", cpuKernel],
  ];
  for (const [backendName, kernelFunc] of kernels) {
    if (tf.getKernel(SGD_KERNEL, backendName) != null) continue;
    tf.registerKernel({
      kernelName: SGD_KERNEL,
      backendName,
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
}

/**
 * Whether the active backend runs the fused update: its kernel is registered and, on wasm, the
 * backend's internals are the ones resnetc's kernels read (else the op path, which needs none).
 */
export function sgdKernelAvailable(): boolean {
  const name = tf.getBackend();
  if (tf.getKernel(SGD_KERNEL, name) == null) return false;
  return name !== "wasm" || internalsOk(tf.backend());
}
