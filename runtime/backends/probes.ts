// One probe per backend: is it installed, does it load, does it see its device. Probes never
// throw; an optional package that is missing or broken is reported with the real message.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { errorMessage, importOptional, isInstalled, wasLoaded } from "./packages.js";
import type { BackendName, BackendProbe } from "./types.js";
import { activateWasm, wasmBinaryDir, wasmThreads } from "./wasm.js";
import {
  DAWN_PACKAGE,
  TFJS_WEBGPU_PACKAGE,
  activateWebgpu,
  adapterLabel,
  autoSkipReason,
  describeAdapter,
  noAdapterHint,
  noAdapterReason,
  probeAdapter,
} from "./webgpu.js";

export const GPU_PACKAGE = "@tensorflow/tfjs-node-gpu";
export const NODE_PACKAGE = "@tensorflow/tfjs-node";
export const WEBGPU_PACKAGES = [DAWN_PACKAGE, TFJS_WEBGPU_PACKAGE];

export const HINTS: Record<BackendName, string> = {
  gpu:
    `install it with \`npm install ${GPU_PACKAGE}\` (Linux x86-64 with an NVIDIA GPU and the ` +
    "CUDA/cuDNN versions the tfjs-node README lists; its install script downloads libtensorflow, " +
    "so it needs network access)",
  node:
    `install it with \`npm install ${NODE_PACKAGE}\` (its install script downloads ` +
    "libtensorflow, so it needs network access)",
  webgpu:
    "install it with `npm install webgpu @tensorflow/tfjs-backend-webgpu` (Dawn's prebuilt " +
    "Node.js bindings; on Linux Dawn drives the GPU through Vulkan, so it also needs the Vulkan " +
    "loader libvulkan1 and the GPU driver's Vulkan ICD)",
  wasm: "reinstall @tensorflow/tfjs-backend-wasm (a dependency of resnetc): `npm install`",
  cpu: "reinstall @tensorflow/tfjs-backend-cpu (a dependency of resnetc): `npm install`",
};

const NO_GPU_HINT =
  "TensorFlow found no CUDA device: check `nvidia-smi`, CUDA_VISIBLE_DEVICES, and that the " +
  "CUDA and cuDNN libraries the tfjs-node-gpu build expects are on LD_LIBRARY_PATH";

interface TensorflowBackendLike {
  isUsingGpuDevice?: boolean;
}

/** The 'tensorflow' backend instance registered by tfjs-node(-gpu), initialised, or an error. */
function tensorflowBackend(pkg: string): TensorflowBackendLike | string {
  if (tf.findBackendFactory("tensorflow") == null) {
    return `${pkg} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core`;
  }
  try {
    const b = tf.findBackend("tensorflow") as unknown as TensorflowBackendLike | null;
    return b ?? `${pkg} loaded but its 'tensorflow' backend failed to initialise`;
  } catch (err) {
    return errorMessage(err);
  }
}

function base(name: BackendName, tfBackend: string, packages: string[]) {
  return { name, tfBackend, packages };
}

export async function probeGpu(): Promise<BackendProbe> {
  const b = base("gpu", "tensorflow", [GPU_PACKAGE]);
  if (!isInstalled(GPU_PACKAGE)) {
    return {
      ...b,
      status: "not installed",
      summary: `${GPU_PACKAGE} not installed`,
      hint: HINTS.gpu,
    };
  }
  // Let TensorFlow take GPU memory as it needs it instead of all of it at start-up.
  if (process.env.TF_FORCE_GPU_ALLOW_GROWTH == null) process.env.TF_FORCE_GPU_ALLOW_GROWTH = "true";
  // Hide TensorFlow's INFO lines on load; warnings and errors still show.
  if (process.env.TF_CPP_MIN_LOG_LEVEL == null) process.env.TF_CPP_MIN_LOG_LEVEL = "1";
  const r = await importOptional(GPU_PACKAGE);
  if (!r.ok) {
    return {
      ...b,
      status: "failed to load",
      summary: `${GPU_PACKAGE} failed to load`,
      detail: r.message,
      hint: HINTS.gpu,
    };
  }
  const backend = tensorflowBackend(GPU_PACKAGE);
  if (typeof backend === "string") {
    return { ...b, status: "failed to load", summary: `${GPU_PACKAGE} failed`, detail: backend };
  }
  if (backend.isUsingGpuDevice !== true) {
    return {
      ...b,
      status: "no GPU visible",
      summary: `${GPU_PACKAGE} loaded but sees no CUDA GPU`,
      detail: "binding.isUsingGpuDevice() is false",
      hint: NO_GPU_HINT,
    };
  }
  return { ...b, status: "available", summary: `${GPU_PACKAGE} sees a CUDA GPU` };
}

export async function probeNode(): Promise<BackendProbe> {
  const b = base("node", "tensorflow", [NODE_PACKAGE]);
  // tfjs-node and tfjs-node-gpu both register 'tensorflow' and load a native libtensorflow;
  // never load both. If the GPU package is already loaded, its TensorFlow runs on the CPU too.
  if (await wasLoaded(GPU_PACKAGE)) {
    const backend = tensorflowBackend(GPU_PACKAGE);
    if (typeof backend === "string") {
      return { ...b, status: "failed to load", summary: `${GPU_PACKAGE} failed`, detail: backend };
    }
    return {
      ...b,
      packages: [GPU_PACKAGE],
      status: "available",
      summary: `TensorFlow from ${GPU_PACKAGE}`,
      detail: `${GPU_PACKAGE} is loaded; its TensorFlow also runs on the CPU`,
    };
  }
  if (!isInstalled(NODE_PACKAGE)) {
    return {
      ...b,
      status: "not installed",
      summary: `${NODE_PACKAGE} not installed`,
      hint: HINTS.node,
    };
  }
  if (process.env.TF_CPP_MIN_LOG_LEVEL == null) process.env.TF_CPP_MIN_LOG_LEVEL = "1";
  const r = await importOptional(NODE_PACKAGE);
  if (!r.ok) {
    return {
      ...b,
      status: "failed to load",
      summary: `${NODE_PACKAGE} failed to load`,
      detail: r.message,
      hint: HINTS.node,
    };
  }
  const backend = tensorflowBackend(NODE_PACKAGE);
  if (typeof backend === "string") {
    return { ...b, status: "failed to load", summary: `${NODE_PACKAGE} failed`, detail: backend };
  }
  return { ...b, status: "available", summary: `${NODE_PACKAGE} loaded` };
}

export async function probeWebgpu(): Promise<BackendProbe> {
  const b = base("webgpu", "webgpu", WEBGPU_PACKAGES);
  const missing = WEBGPU_PACKAGES.filter((p) => !isInstalled(p));
  if (missing.length > 0) {
    return {
      ...b,
      status: "not installed",
      summary:
        missing.length === WEBGPU_PACKAGES.length
          ? "webgpu not installed"
          : `webgpu not installed (${missing.join(", ")} missing)`,
      hint: HINTS.webgpu,
    };
  }
  const r = await probeAdapter();
  if (r.error != null) {
    return {
      ...b,
      status: "failed to load",
      summary: "webgpu failed to load",
      detail: r.error,
      hint: HINTS.webgpu,
    };
  }
  if (r.adapter == null) {
    const reason = noAdapterReason(r.messages);
    return {
      ...b,
      status: "no GPU visible",
      summary: `webgpu: no adapter (${reason})`,
      ...(r.messages.length > 0 ? { detail: `Dawn: ${r.messages.join(" | ")}` } : {}),
      hint: noAdapterHint(reason),
    };
  }
  const skip = autoSkipReason(r.adapter, process.env);
  return {
    ...b,
    status: "available",
    summary: `webgpu adapter ${adapterLabel(r.adapter)}`,
    detail: `adapter: ${describeAdapter(r.adapter)}`,
    adapter: r.adapter,
    ...(skip != null ? { autoSkip: skip } : {}),
  };
}

export async function probeWasm(): Promise<BackendProbe> {
  const b = base("wasm", "wasm", ["@tensorflow/tfjs-backend-wasm"]);
  const bin = wasmBinaryDir();
  if ("error" in bin) {
    const notInstalled = !isInstalled("@tensorflow/tfjs-backend-wasm");
    return {
      ...b,
      status: notInstalled ? "not installed" : "failed to load",
      summary: notInstalled ? "wasm not installed" : "wasm binaries missing",
      detail: bin.error,
      hint: HINTS.wasm,
    };
  }
  return { ...b, status: "available", summary: "wasm available", threads: wasmThreads() ?? 1 };
}

export async function probeCpu(): Promise<BackendProbe> {
  const b = base("cpu", "cpu", ["@tensorflow/tfjs-backend-cpu"]);
  if (tf.findBackendFactory("cpu") == null) {
    return {
      ...b,
      status: "failed to load",
      summary: "cpu backend not registered",
      hint: HINTS.cpu,
    };
  }
  return { ...b, status: "available", summary: "cpu available", threads: 1 };
}

export function probe(name: BackendName): Promise<BackendProbe> {
  switch (name) {
    case "gpu":
      return probeGpu();
    case "node":
      return probeNode();
    case "webgpu":
      return probeWebgpu();
    case "wasm":
      return probeWasm();
    case "cpu":
      return probeCpu();
  }
}

/** Makes a probed-available backend the active one; null on success, else why it failed. */
export async function activate(name: BackendName): Promise<string | null> {
  if (name === "wasm") return activateWasm();
  if (name === "webgpu") return activateWebgpu();
  const tfName = name === "gpu" || name === "node" ? "tensorflow" : name;
  try {
    const ok = await tf.setBackend(tfName);
    return ok ? null : `tfjs could not initialise the '${tfName}' backend`;
  } catch (err) {
    return errorMessage(err);
  }
}

/** Threads the active backend computes on, where that is known. */
export function threadsOf(name: BackendName): number | undefined {
  if (name === "wasm") return wasmThreads() ?? undefined;
  if (name === "cpu") return 1;
  // tfjs-node sizes TensorFlow's own thread pools; nothing reliable to report from here.
  return undefined;
}
