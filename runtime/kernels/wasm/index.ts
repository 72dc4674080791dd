export { registerWasmTrainingKernels, wasmTrainingKernelChanges } from "./register.js";
export type { WasmKernelChange } from "./register.js";
export { wasmHeapLimitBytes, wasmHeapSizeBytes } from "./wasm_heap.js";
export { wasmSimdLoaded } from "./simd_module.js";
