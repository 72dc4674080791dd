import type { WebgpuAdapterInfo } from "./webgpu.js";

export type { WebgpuAdapterInfo };

/** What a user may ask for (--backend flag or RESNETC_BACKEND). */
export type BackendRequest = "auto" | "gpu" | "node" | "webgpu" | "wasm" | "cpu";

/** A concrete backend, in the order `auto` tries them. */
export type BackendName = Exclude<BackendRequest, "auto">;

export const BACKEND_REQUESTS: readonly BackendRequest[] = [
  "auto",
  "gpu",
  "node",
  "webgpu",
  "wasm",
  "cpu",
];

export const AUTO_ORDER: readonly BackendName[] = ["gpu", "node", "webgpu", "wasm", "cpu"];

export type BackendStatus = "available" | "not installed" | "failed to load" | "no GPU visible";

/** What probing one backend found. */
export interface BackendProbe {
  name: BackendName;
  /** The tfjs-core backend it registers: "tensorflow", "webgpu", "wasm" or "cpu". */
  tfBackend: string;
  /** The npm package(s) it needs. */
  packages: string[];
  status: BackendStatus;
  /** One short phrase for the reason line, e.g. "@tensorflow/tfjs-node not installed". */
  summary: string;
  /** The real error message when it failed, or extra facts (device, threads). */
  detail?: string;
  /** How to get it, when it is not available. */
  hint?: string;
  threads?: number;
  /** webgpu: the adapter Dawn would use (what GPUAdapterInfo says, and its buffer limits). */
  adapter?: WebgpuAdapterInfo;
  /**
   * Set when the backend works but `auto` passes it over, with the phrase for the reason line
   * (Dawn's null adapter, a software adapter). Asking for it by name still gets it.
   */
  autoSkip?: string;
}

/** The backend selectBackend() set, and one line saying which and why. */
export interface BackendChoice {
  name: BackendName;
  tfBackend: string;
  reason: string;
  threads?: number;
}

export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  packages: Record<string, string | null>;
  backends: BackendProbe[];
  /** What `auto` would pick, or null if nothing works. */
  auto: { name: BackendName; reason: string } | null;
  wasm: {
    threads: number | null;
    threadsNote: string;
    heapLimitBytes: number;
    /** resnetc's SIMD module runs on the wasm heap (null: wasm not initialised). */
    simd: boolean | null;
    /** Why the SIMD loops did not load (null when they did, or were not tried). */
    simdFailure: string | null;
    /**
     * Whether the convolutions run fused multiply-adds (relaxed SIMD): on, off with the reason,
     * or on null when the SIMD loops do not run (or wasm is not initialised).
     */
    fma?: { on: boolean | null; why: string | null };
    /**
     * The warning given when tfjs-backend-wasm's internals differ from what resnetc's kernels
     * read (they then run the stock kernels), or null when they are as expected.
     */
    internals: string | null;
    kernels: { kernel: string; action: string; why: string }[];
  };
  env: Record<string, string | null>;
}
