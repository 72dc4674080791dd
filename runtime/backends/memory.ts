import { wasmHeapLimitBytes } from "../kernels/wasm/index.js";

/**
 * The hard cap on tensor memory of a backend, for the trainer's activation-memory check, or null
 * where there is none short of the machine's memory. Only wasm has one: its tensors live in one
 * wasm32 heap capped just under 4 GiB.
 */
export function heapLimitBytes(backend: string): number | null {
  return backend === "wasm" ? wasmHeapLimitBytes() : null;
}
