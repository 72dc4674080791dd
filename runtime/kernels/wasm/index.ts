export { registerWasmTrainingKernels, wasmTrainingKernelChanges } from "./register.js";
export type { WasmKernelChange } from "./register.js";
export { wasmHeapLimitBytes, wasmHeapSizeBytes } from "./wasm_heap.js";
export { SIMD_ENV, wasmSimdFailure, wasmSimdLoaded } from "./simd_module.js";
export { wasmInternalsProblem } from "./internals.js";
export { checkWasmBackendInternals } from "./kernel_config.js";
export { routeTrace, startRouteTrace, stopRouteTrace, type RouteCounts } from "./route_trace.js";
