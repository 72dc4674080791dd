// The tfjs-backend-wasm internals resnetc's wasm kernels read, checked once per backend before a
// kernel uses them: the emscripten module's WebAssembly.Memory and its HEAPU8/HEAP32/HEAPF32
// views (wasm_heap.ts, simd_module.ts), BackendWasm's dataIdMap (a tensor's memoryOffset is a
// byte offset into that memory), makeOutput, readSync, disposeData and incRef, and the kernels
// they call or replace. These are not tfjs's public API (package.json pins the @tensorflow/*
// versions they were written against); if any differs, every resnetc wasm kernel falls back to
// tfjs-backend-wasm's stock kernel, with one process warning naming what differs (also shown by
// `resnetc doctor`), never silently. Only the main thread warns: `train`'s worker threads run the
// same versions.

import { isMainThread } from "node:worker_threads";
import { warn } from "./process-env.js";
import { packageVersion } from "../../backends/packages.js";

const WARNING_CODE = "RESNETC_WASM_INTERNALS";

/** Kernels resnetc replaces that tfjs-backend-wasm did not have registered (noted at registration). */
const missingOriginals = new Set<string>();

export function noteMissingOriginal(kernel: string): void {
  missingOriginals.add(kernel);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null;
const isFn = (o: Obj | undefined, k: string) => typeof o?.[k] === "function";

// The WebAssembly API, typed here: tsconfig's lib (ES2022, no DOM) does not declare it.
const WA = (globalThis as unknown as { WebAssembly?: { Memory: abstract new () => object } })
  .WebAssembly;

/** The heap views and memory; pushes what differs. */
function heapDifferences(wasm: Obj | undefined, out: string[]): void {
  const memory = isObj(wasm?.asm) ? (wasm.asm as Obj).memory : undefined;
  const buffer = WA != null && memory instanceof WA.Memory ? (memory as Obj).buffer : null;
  if (buffer == null) out.push("backend.wasm.asm.memory is not a WebAssembly.Memory");
  const views: [string, new (...a: never[]) => unknown][] = [
    ["HEAPU8", Uint8Array],
    ["HEAP32", Int32Array],
    ["HEAPF32", Float32Array],
  ];
  for (const [name, type] of views) {
    const view = wasm?.[name];
    if (!(view instanceof type)) out.push(`backend.wasm.${name} is not a ${type.name}`);
    else if (buffer != null && (view as Obj).buffer !== buffer) {
      out.push(`backend.wasm.${name} is not a view of that memory`);
    }
  }
}

/** Writes four floats through HEAPF32 at a new tensor's memoryOffset and reads them back. */
function offsetDifference(b: Obj): string | null {
  const values = [1.5, -2, 3, 0.25];
  const makeOutput = b.makeOutput as (s: number[], d: string) => { dataId: object };
  const t = makeOutput.call(b, [4], "float32");
  try {
    const get = (b.dataIdMap as Obj).get as (id: object) => unknown;
    const data = get.call(b.dataIdMap, t.dataId);
    const offset = isObj(data) ? data.memoryOffset : undefined;
    if (typeof offset !== "number" || offset % 4 !== 0) {
      return "dataIdMap.get(dataId).memoryOffset is not a byte offset";
    }
    const heap = (b.wasm as Obj).HEAPF32 as Float32Array;
    heap.set(values, offset / 4);
    const read = (b.readSync as (id: object) => ArrayLike<number>).call(b, t.dataId);
    if (Array.from(read).join() !== values.join()) {
      return "dataIdMap.get(dataId).memoryOffset does not locate the tensor's data in HEAPF32";
    }
    return null;
  } finally {
    (b.disposeData as (id: object) => void).call(b, t.dataId);
  }
}

/**
 * What differs between this wasm backend and the internals resnetc's kernels expect (empty when
 * nothing does). `hasKernel` says whether a kernel is registered for wasm.
 */
export function wasmInternalsDifferences(
  backend: unknown,
  hasKernel: (name: string) => boolean,
): string[] {
  const out: string[] = [];
  const b = isObj(backend) ? backend : {};
  const wasm = isObj(b.wasm) ? b.wasm : undefined;
  if (wasm == null) out.push("backend.wasm (the emscripten module) is missing");
  heapDifferences(wasm, out);
  if (!isObj(b.dataIdMap) || !isFn(b.dataIdMap as Obj, "get")) {
    out.push("backend.dataIdMap.get() is missing");
  }
  for (const m of ["makeOutput", "readSync", "disposeData", "incRef"]) {
    if (!isFn(b, m)) out.push(`backend.${m}() is missing`);
  }
  for (const k of ["Transpose", ...missingOriginals]) {
    if (!hasKernel(k)) out.push(`kernel '${k}' is not registered for wasm`);
  }
  if (out.length === 0) {
    try {
      const d = offsetDifference(b);
      if (d != null) out.push(d);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      out.push(`a new tensor's data could not be located on the heap (${why})`);
    }
  }
  return out;
}

const checked = new WeakMap<object, boolean>();
let problem: string | null = null;

/** The warning given when the internals differ, or null (none seen in this process). */
export function wasmInternalsProblem(): string | null {
  return problem;
}

/**
 * Whether resnetc's kernels may read this backend's internals (checked once per backend; the
 * first mismatch in a process gives one warning, which wasmInternalsProblem() returns).
 */
export function wasmInternalsOk(backend: unknown, hasKernel: (name: string) => boolean): boolean {
  if (!isObj(backend)) return false;
  const known = checked.get(backend);
  if (known != null) return known;
  const differences = wasmInternalsDifferences(backend, hasKernel);
  checked.set(backend, differences.length === 0);
  if (differences.length > 0 && problem == null) {
    const version = packageVersion("@tensorflow/tfjs-backend-wasm") ?? "(version unknown)";
    problem =
      `@tensorflow/tfjs-backend-wasm ${version} is not what resnetc's wasm kernels expect: ` +
      `${differences.join("; ")}. They fall back to tfjs-backend-wasm's stock kernels ` +
      "(slower); install the @tensorflow/* versions package.json pins.";
    // Training's worker threads meet the same versions as the main thread, which warned.
    if (isMainThread) warn(problem, WARNING_CODE);
  }
  return differences.length === 0;
}
