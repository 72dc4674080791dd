// `resnetc doctor`: every backend, whether it is installed and loads (with the real error when it
// does not), package versions, threads, and the backend `auto` would pick.

import * as tf from "@tensorflow/tfjs-core";
import os from "node:os";
import {
  registerWasmTrainingKernels,
  wasmHeapLimitBytes,
  wasmInternalsProblem,
  wasmSimdFailure,
  wasmSimdLoaded,
} from "../kernels/wasm/index.js";
import { wasmFmaState } from "../kernels/wasm/conv_module.js";
import type { WasmModuleLike } from "../kernels/wasm/wasm_heap.js";
import { packageVersion } from "./packages.js";
import { GPU_PACKAGE, NODE_PACKAGE, WEBGPU_PACKAGES, probe } from "./probes.js";
import { quietCpuBanner } from "./quiet.js";
import { AUTO_ORDER, type BackendProbe, type DoctorReport } from "./types.js";
import { WASM_THREADS_NOTE, activateWasm, wasmThreads } from "./wasm.js";
import { adapterLabel } from "./webgpu.js";

const PACKAGES = [
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-layers",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-backend-wasm",
  NODE_PACKAGE,
  GPU_PACKAGE,
  ...WEBGPU_PACKAGES,
];

const ENV_VARS = [
  "RESNETC_BACKEND",
  "RESNETC_WASM_SIMD",
  "RESNETC_WASM_FMA",
  "TF_FORCE_GPU_ALLOW_GROWTH",
  "CUDA_VISIBLE_DEVICES",
  "TF_CPP_MIN_LOG_LEVEL",
  "DAWNNODE_BACKEND",
  "VK_DRIVER_FILES",
  "VK_ICD_FILENAMES",
];

/**
 * Probes every backend. Loading optional packages registers their backends with tfjs, and the
 * wasm backend is initialised to prove it works; the backend that was active before (if any) is
 * active again afterwards.
 */
export async function doctor(): Promise<DoctorReport> {
  const before = (tf.engine() as unknown as { backendName?: string | null }).backendName;
  const kernels = registerWasmTrainingKernels();
  quietCpuBanner();

  const backends: BackendProbe[] = [];
  for (const name of AUTO_ORDER) {
    let p = await probe(name);
    if (name === "wasm" && p.status === "available") {
      const err = await activateWasm();
      if (err != null) p = { ...p, status: "failed to load", detail: err };
      else p = { ...p, threads: wasmThreads() ?? 1 };
    }
    backends.push(p);
  }
  if (before != null && before !== tf.engine().backendName) {
    try {
      await tf.setBackend(before);
    } catch {
      // it worked before; nothing useful to add if it no longer does
    }
  }
  quietCpuBanner();

  const passed: string[] = [];
  let auto: DoctorReport["auto"] = null;
  for (const p of backends) {
    if (p.status === "available" && p.autoSkip == null) {
      const threads = p.threads != null ? `; ${p.threads} thread${p.threads === 1 ? "" : "s"}` : "";
      const why = passed.length > 0 ? passed.join(", ") : `${p.name} is the first choice available`;
      const adapter = p.adapter != null ? `; adapter ${adapterLabel(p.adapter)}` : "";
      auto = { name: p.name, reason: `backend ${p.name} (auto: ${why}${adapter}${threads})` };
      break;
    }
    passed.push(p.autoSkip ?? p.summary);
  }

  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: os.availableParallelism(),
    packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    backends,
    auto,
    wasm: {
      threads: wasmThreads(),
      threadsNote: WASM_THREADS_NOTE,
      heapLimitBytes: wasmHeapLimitBytes(),
      simd: wasmSimdLoaded(),
      simdFailure: wasmSimdFailure(),
      fma: wasmFma(),
      internals: wasmInternalsProblem(),
      kernels: kernels.map((k) => ({ ...k })),
    },
    env: Object.fromEntries(ENV_VARS.map((v) => [v, process.env[v] ?? null])),
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + " ".repeat(n - s.length);
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** The FMA state of the initialised wasm backend's convolution loops. */
function wasmFma(): { on: boolean | null; why: string | null } {
  const backend = tf.engine().registry["wasm"] as unknown as { wasm?: WasmModuleLike } | undefined;
  return wasmFmaState(backend?.wasm ?? null);
}

function fmaLine(r: DoctorReport): string {
  const f = r.wasm.fma;
  if (f == null || f.on === null) return "- (the SIMD loops do not run)";
  if (f.on) return "on: the convolutions' multiply-adds are fused (f32x4.relaxed_madd)";
  return `off (${f.why}): the convolutions multiply, then add`;
}

function simdLine(r: DoctorReport): string {
  if (r.wasm.simd === null) return "- (wasm not initialised)";
  if (r.wasm.simd) return "loaded: resnetc's kernels below run on them";
  const why = r.wasm.simdFailure != null ? ` (${r.wasm.simdFailure})` : "";
  return `not available${why}: the kernels below fall back to XNNPACK and tfjs's own`;
}

/** The report as plain text for a terminal. */
export function renderDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`node ${r.node} on ${r.platform}, ${r.cpus} CPU${r.cpus === 1 ? "" : "s"}`);
  lines.push("");
  lines.push("backends, in the order auto tries them:");
  for (const b of r.backends) {
    const pkgs = b.packages.map((p) => (r.packages[p] ? `${p} ${r.packages[p]}` : p)).join(", ");
    const threads = b.threads != null ? `, ${b.threads} thread${b.threads === 1 ? "" : "s"}` : "";
    lines.push(`  ${pad(b.name, 8)}${pad(b.status, 16)}${pkgs}${threads}`);
    // "no GPU visible" says little by itself; the summary says which GPU route found none and why.
    if (b.status === "no GPU visible") lines.push(`          ${b.summary}`);
    if (b.detail) lines.push(`          ${b.detail}`);
    if (b.autoSkip) lines.push(`          auto passes it over: ${b.autoSkip}`);
    if (b.hint && b.status !== "available") lines.push(`          to use it: ${b.hint}`);
  }
  lines.push("");
  lines.push(r.auto ? `auto picks: ${r.auto.reason}` : "auto picks: nothing works (see above)");
  lines.push("");
  lines.push("packages:");
  for (const [p, v] of Object.entries(r.packages)) lines.push(`  ${pad(p, 34)}${v ?? "-"}`);
  lines.push("");
  lines.push("wasm:");
  lines.push(`  threads     ${r.wasm.threads ?? "-"} (${r.wasm.threadsNote})`);
  lines.push(`  heap limit  ${gib(r.wasm.heapLimitBytes)} (all tensors share one wasm32 heap)`);
  lines.push(
    `  training    ${r.cpus > 1 ? `\`train --workers auto\` runs one wasm backend per core (${r.cpus} here), each on its own heap` : "one core: one wasm backend"}`,
  );
  lines.push(`  SIMD loops  ${simdLine(r)}`);
  lines.push(`  FMA         ${fmaLine(r)}`);
  const internals = r.wasm.internals;
  lines.push(
    `  internals   ${internals == null ? "as resnetc's kernels expect" : `DIFFER: ${internals}`}`,
  );
  for (const k of r.wasm.kernels) lines.push(`  ${pad(k.kernel, 36)}${k.action}: ${k.why}`);
  lines.push("");
  lines.push("environment:");
  for (const [k, v] of Object.entries(r.env)) lines.push(`  ${pad(k, 28)}${v ?? "(unset)"}`);
  return lines.join("\n");
}
