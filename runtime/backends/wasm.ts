// Initialising tfjs-backend-wasm in Node: .wasm files located from the installed package (so it
// works from any working directory), resnetc's training kernels registered first.

import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { existsSync } from "node:fs";
import path from "node:path";
import { checkWasmBackendInternals, registerWasmTrainingKernels } from "../kernels/wasm/index.js";
import { packageDir } from "./packages.js";
import { withoutNewProcessListeners } from "./quiet.js";

const BINARIES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];

export const WASM_THREADS_NOTE =
  "single thread: tfjs-backend-wasm turns threads off under Node.js " +
  "(WASM_HAS_MULTITHREAD_SUPPORT is false there), and resnetc does not patch that";

let pathsSet = false;

/** The folder holding the .wasm binaries, or an error message. */
export function wasmBinaryDir(): { dir: string } | { error: string } {
  const pkg = packageDir("@tensorflow/tfjs-backend-wasm");
  if (pkg == null) return { error: "@tensorflow/tfjs-backend-wasm is not installed" };
  const dir = path.join(pkg, "dist");
  const missing = BINARIES.filter((b) => !existsSync(path.join(dir, b)));
  if (missing.length > 0) return { error: `missing ${missing.join(", ")} in ${dir}` };
  return { dir };
}

/**
 * Sets up and switches to the wasm backend. Returns null on success, else the reason it failed.
 * Safe to call again (the backend is initialised once per process).
 */
export async function activateWasm(): Promise<string | null> {
  registerWasmTrainingKernels();
  if (tf.engine().registry["wasm"] == null) {
    const bin = wasmBinaryDir();
    if ("error" in bin) return bin.error;
    if (!pathsSet) {
      try {
        // A path ending in a separator is a prefix; the glue reads it with fs in Node.
        setWasmPaths(bin.dir + path.sep);
        pathsSet = true;
      } catch (err) {
        return (err as Error).message;
      }
    }
  }
  let ok: boolean;
  try {
    ok = await withoutNewProcessListeners(() => tf.setBackend("wasm"));
  } catch (err) {
    return (err as Error).message;
  }
  if (!ok) return "tfjs could not initialise the wasm backend (its warning above says why)";
  // resnetc's kernels read the backend's internals: check them now (one warning if they differ;
  // the kernels then fall back to the stock ones).
  checkWasmBackendInternals();
  return null;
}

/** Threads the wasm backend runs on (1 under Node), or null if it is not initialised. */
export function wasmThreads(): number | null {
  if (tf.engine().registry["wasm"] == null) return null;
  try {
    return getThreadsCount();
  } catch {
    return null;
  }
}
