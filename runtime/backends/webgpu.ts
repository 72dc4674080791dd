// The WebGPU route: Dawn's Node.js bindings (the `webgpu` package) under tfjs-backend-webgpu.
//
// Finding an adapter runs in a short-lived child process. Dawn writes its reasons for finding none
// ("Couldn't load Vulkan: libvulkan.so.1: ...") straight to file descriptor 2 from native code,
// where nothing in this process could catch them; the child's stderr is captured instead, turned
// into one short reason, and never reaches the user's terminal. It costs about 0.1 s, and this
// process loads Dawn only when webgpu is the backend it activates.

import * as tf from "@tensorflow/tfjs-core";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { errorMessage, importOptional } from "./packages.js";
import { patchWebgpuKernels } from "./webgpu-kernels.js";

const require = createRequire(import.meta.url);

export const DAWN_PACKAGE = "webgpu";
export const TFJS_WEBGPU_PACKAGE = "@tensorflow/tfjs-backend-webgpu";

/** What Dawn says of the adapter it would use (GPUAdapterInfo), and the limits that bound tensors. */
export interface WebgpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** What the adapter probe found: an adapter, or none with Dawn's messages, or a failure. */
export interface AdapterProbe {
  adapter: WebgpuAdapterInfo | null;
  /** Dawn's warnings, one per message, without its source locations. */
  messages: string[];
  /** Set when the probe itself failed (Dawn did not load, the child crashed or timed out). */
  error?: string;
}

const PROBE_TIMEOUT_MS = 20_000;

/** The script the child runs: load Dawn, ask for an adapter, print one JSON line, exit. */
function probeScript(entryUrl: string): string {
  return `
const { create, globals } = await import(${JSON.stringify(entryUrl)});
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter({ powerPreference: "high-performance" });
let out = { adapter: null };
if (adapter != null) {
  const i = adapter.info ?? {};
  const l = adapter.limits ?? {};
  out = { adapter: {
    vendor: String(i.vendor ?? ""), architecture: String(i.architecture ?? ""),
    device: String(i.device ?? ""), description: String(i.description ?? ""),
    isFallbackAdapter: i.isFallbackAdapter === true,
    maxBufferSize: Number(l.maxBufferSize ?? 0),
    maxStorageBufferBindingSize: Number(l.maxStorageBufferBindingSize ?? 0) } };
}
process.stdout.write("RESNETC_WEBGPU " + JSON.stringify(out) + "\\n", () => process.exit(0));
`;
}

/**
 * Dawn's stderr as messages: "Warning: " prefixes and the "at Function (file:line)" lines that
 * follow each message dropped, a " - While ..." context line joined to its message.
 */
export function dawnMessages(stderr: string): string[] {
  const out: string[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || /^at \S.*\)$/.test(line) || /^at \S+:\d+$/.test(line)) continue;
    if (line.startsWith("- ") && out.length > 0) {
      out[out.length - 1] += ` (${line.slice(2)})`;
      continue;
    }
    const msg = line.replace(/^(Warning|Error):\s*/, "");
    if (!out.includes(msg)) out.push(msg);
  }
  return out;
}

/** Why Dawn found no adapter, in a few words, from its messages. */
export function noAdapterReason(messages: string[]): string {
  const all = messages.join("\n");
  const loader = /Couldn't load Vulkan: ([^:\s]+)(: (.*))?/.exec(all);
  if (loader) {
    return /cannot open shared object file|No such file/.test(loader[3] ?? "")
      ? `Vulkan: ${loader[1]} not found`
      : `Vulkan: ${loader[1]} failed to load`;
  }
  if (/Found no drivers|VK_ERROR_INCOMPATIBLE_DRIVER/.test(all)) return "Vulkan: no driver found";
  const missing = /Vulkan (\S+) required/.exec(all);
  if (missing) return `the Vulkan driver lacks ${missing[1]}`;
  if (messages.length > 0) {
    const first = messages[0];
    return first.length > 100 ? `${first.slice(0, 97)}...` : first;
  }
  return "Dawn reported no reason";
}

/**
 * Where SwiftShader's Vulkan driver (a software GPU, from Chromium) is installed: Debian's and
 * Ubuntu's chromium packages, and Fedora's chromium.
 */
export const SWIFTSHADER_ICDS = [
  "/usr/lib/chromium/vk_swiftshader_icd.json",
  "/usr/lib/chromium-browser/vk_swiftshader_icd.json",
  "/usr/lib64/chromium-browser/vk_swiftshader_icd.json",
];

/** The first SwiftShader Vulkan ICD file on this machine, or null. */
export function swiftshaderIcd(exists: (path: string) => boolean = existsSync): string | null {
  return SWIFTSHADER_ICDS.find((p) => exists(p)) ?? null;
}

/**
 * How to try the WebGPU route without a GPU driver: SwiftShader's Vulkan driver, named by
 * VK_ICD_FILENAMES (where it is installed, its path here).
 */
export function swiftshaderHint(icd: string | null): string {
  const how = icd
    ? `VK_ICD_FILENAMES=${icd} (found here)`
    : `VK_ICD_FILENAMES=${SWIFTSHADER_ICDS[0]} after \`apt install chromium\` (Debian's chromium ships it)`;
  return (
    "; to try the route without a GPU, SwiftShader's software Vulkan driver (slow, for testing: " +
    `auto passes it over, --backend webgpu uses it): ${how}`
  );
}

/** How to get an adapter, for the reason noAdapterReason gave, then how to test without one. */
export function noAdapterHint(reason: string, icd: string | null = swiftshaderIcd()): string {
  return vulkanHint(reason) + swiftshaderHint(icd);
}

function vulkanHint(reason: string): string {
  const driver =
    "a Vulkan driver: NVIDIA's ships with its GPU driver (the Vulkan ICD nvidia_icd.json; if it " +
    "lies outside /usr/share/vulkan/icd.d, point VK_DRIVER_FILES at it), AMD's and Intel's are " +
    "Debian's mesa-vulkan-drivers; `vulkaninfo --summary` shows what the loader finds";
  if (/ not found$| failed to load$/.test(reason)) {
    return `install the Vulkan loader (Debian/Ubuntu: \`apt install libvulkan1\`) and ${driver}`;
  }
  if (reason === "Vulkan: no driver found") return `install ${driver}`;
  if (reason.startsWith("the Vulkan driver lacks")) {
    return `use a newer GPU driver (software Vulkan like an old lavapipe is not enough); ${driver}`;
  }
  return `Dawn needs ${driver}`;
}

/** A short name for an adapter: its device name, else its description, else vendor/architecture. */
export function adapterLabel(a: WebgpuAdapterInfo): string {
  return (
    a.device ||
    a.description ||
    [a.vendor, a.architecture].filter((s) => s !== "").join(" ") ||
    "an unnamed adapter"
  );
}

/** One line for doctor: "NVIDIA H200 (vendor nvidia, architecture hopper; NVIDIA: 580.1)". */
export function describeAdapter(a: WebgpuAdapterInfo): string {
  const facts: string[] = [];
  if (a.vendor) facts.push(`vendor ${a.vendor}`);
  if (a.architecture) facts.push(`architecture ${a.architecture}`);
  if (a.isFallbackAdapter) facts.push("fallback (software) adapter");
  let s = adapterLabel(a);
  const extra = [facts.join(", "), a.description && a.description !== s ? a.description : ""]
    .filter((x) => x !== "")
    .join("; ");
  if (extra) s += ` (${extra})`;
  if (a.maxBufferSize > 0) s += `; largest buffer ${gib(a.maxBufferSize)}`;
  return s;
}

function gib(bytes: number): string {
  return bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(1)} GiB`
    : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * Why auto should pass over an adapter that works, or null: Dawn's null backend (chosen with
 * DAWNNODE_BACKEND=null) computes nothing, and a software adapter is slower than wasm.
 */
export function autoSkipReason(a: WebgpuAdapterInfo, env: NodeJS.ProcessEnv): string | null {
  if (a.device === "null-backend" || env.DAWNNODE_BACKEND?.trim().toLowerCase() === "null") {
    return "webgpu: only Dawn's null adapter (DAWNNODE_BACKEND=null; it computes nothing)";
  }
  if (
    a.isFallbackAdapter ||
    /llvmpipe|lavapipe|swiftshader/i.test(`${a.device} ${a.description}`)
  ) {
    return `webgpu: only a software adapter (${adapterLabel(a)})`;
  }
  return null;
}

/** The file URL of the webgpu package's entry, or null when it cannot be resolved from here. */
export function dawnEntryUrl(): string | null {
  try {
    return pathToFileURL(require.resolve(DAWN_PACKAGE)).href;
  } catch {
    return null;
  }
}

/** Runs the probe in a child process; never throws. */
export function runAdapterProbe(env: NodeJS.ProcessEnv = process.env): Promise<AdapterProbe> {
  const entry = dawnEntryUrl();
  if (entry == null) {
    return Promise.resolve({ adapter: null, messages: [], error: "webgpu is not installed" });
  }
  // The child needs none of the parent's loaders (tsx, vitest); they would only slow it down.
  const childEnv = { ...env };
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "--no-warnings", "-e", probeScript(entry)],
      { env: childEnv, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20, encoding: "utf8" },
      (err, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("RESNETC_WEBGPU "));
        const messages = dawnMessages(stderr);
        if (line != null) {
          try {
            const parsed = JSON.parse(line.slice("RESNETC_WEBGPU ".length)) as {
              adapter: WebgpuAdapterInfo | null;
            };
            resolve({ adapter: parsed.adapter, messages });
            return;
          } catch {
            // fall through to the failure below
          }
        }
        let error: string;
        if (err != null && (err as { killed?: boolean }).killed) {
          error = `Dawn did not answer within ${PROBE_TIMEOUT_MS / 1000} s`;
        } else {
          // An uncaught error in the child: its first line says what (a missing dawn.node, a
          // too-old glibc, ...); the stack below it is node's and says nothing more.
          const thrown = stderr
            .split("\n")
            .map((l) => l.trim())
            .find((l) => /^(\w*Error|Error)\b|^node:/.test(l) && !l.startsWith("node:internal"));
          error = thrown ?? (err ? errorMessage(err) : "the adapter probe printed nothing");
        }
        resolve({ adapter: null, messages, error });
      },
    );
  });
}

let cached: Promise<AdapterProbe> | null = null;

/** The adapter probe, run once per process (doctor and selectBackend share it). */
export function probeAdapter(): Promise<AdapterProbe> {
  cached ??= runAdapterProbe();
  return cached;
}

/** Forgets the cached probe (for specs that change DAWNNODE_BACKEND). */
export function resetAdapterProbe(): void {
  cached = null;
}

interface DawnModule {
  create?: (flags: string[]) => unknown;
  globals?: Record<string, unknown>;
}

let navigatorInstalled = false;

/**
 * Installs Dawn as `navigator.gpu` (and its GPU* globals, GPUBufferUsage and the rest), as the
 * webgpu package's README does and as tfjs-backend-webgpu looks for it. Leaves an existing
 * navigator.gpu alone, and keeps Node's own `navigator` (Node 21+) with everything else on it.
 */
function installNavigatorGpu(m: DawnModule): void {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (navigatorInstalled || g.navigator?.gpu != null) return;
  if (typeof m.create !== "function") throw new Error("the webgpu package has no create()");
  if (m.globals != null) Object.assign(globalThis, m.globals);
  const gpu = m.create([]);
  if (g.navigator == null) {
    Object.defineProperty(globalThis, "navigator", {
      value: { gpu },
      configurable: true,
      writable: true,
    });
  } else {
    Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true, writable: true });
  }
  navigatorInstalled = true;
}

interface GpuAdapterLike {
  features: { has(f: string): boolean };
  limits: Record<string, number>;
  info?: unknown;
  requestDevice(desc: unknown): Promise<unknown>;
}

type WebGPUBackendClass = new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;

/**
 * The factory tfjs-backend-webgpu registers when it is imported with navigator.gpu in place,
 * for when it was imported before (a bundle imports it up front): the high-performance adapter,
 * a device with the adapter's limits for buffers and workgroups.
 */
function registerWebgpuFactory(WebGPUBackend: WebGPUBackendClass): void {
  tf.registerBackend(
    "webgpu",
    async () => {
      const gpu = (globalThis as unknown as { navigator: { gpu: unknown } }).navigator.gpu as {
        requestAdapter(o: unknown): Promise<GpuAdapterLike | null>;
      };
      const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
      if (adapter == null) throw new Error("Dawn found no adapter");
      const requiredFeatures = ["timestamp-query", "bgra8unorm-storage"].filter((f) =>
        adapter.features.has(f),
      );
      const l = adapter.limits;
      const requiredLimits = {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      };
      const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
      return new WebGPUBackend(device, adapter.info);
    },
    3,
  );
}

export const SYNC_READ_MESSAGE =
  "dataSync()/arraySync() cannot read GPU memory on the webgpu backend under Node.js " +
  "(tfjs-backend-webgpu reads synchronously through OffscreenCanvas, which Node lacks); " +
  "read with `await tensor.data()` instead";

interface WebGPUBackendLike {
  readSync(dataId: object): unknown;
  hasReadSyncWarned?: boolean;
  __resnetcSyncRead?: boolean;
}

/**
 * Makes a synchronous read of GPU memory fail with a message that says what to do, instead of
 * "ReferenceError: OffscreenCanvas is not defined" after a warning about slowness.
 */
function explainSyncReads(backend: WebGPUBackendLike): void {
  if (
    backend.__resnetcSyncRead ||
    (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas != null
  )
    return;
  const readSync = backend.readSync.bind(backend);
  backend.hasReadSyncWarned = true;
  backend.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (err instanceof ReferenceError && /OffscreenCanvas/.test(err.message)) {
        throw new Error(SYNC_READ_MESSAGE);
      }
      throw err;
    }
  };
  backend.__resnetcSyncRead = true;
}

/**
 * Loads Dawn, installs navigator.gpu, registers tfjs-backend-webgpu and makes it the active
 * backend. Null on success, else why it failed (tfjs's own warning text included).
 */
export async function activateWebgpu(): Promise<string | null> {
  const dawn = await importOptional(DAWN_PACKAGE);
  if (!dawn.ok) return `webgpu failed to load: ${dawn.message}`;
  try {
    installNavigatorGpu(dawn.module as DawnModule);
  } catch (err) {
    return errorMessage(err);
  }
  const tfw = await importOptional(TFJS_WEBGPU_PACKAGE);
  if (!tfw.ok) return `${TFJS_WEBGPU_PACKAGE} failed to load: ${tfw.message}`;
  if (tf.findBackendFactory("webgpu") == null) {
    const B = (tfw.module as { WebGPUBackend?: WebGPUBackendClass }).WebGPUBackend;
    if (typeof B !== "function") return `${TFJS_WEBGPU_PACKAGE} exports no WebGPUBackend`;
    registerWebgpuFactory(B);
  }
  patchWebgpuKernels();
  // tfjs reports a failed initialisation with console.warn and a false; keep its words.
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warned.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend("webgpu");
  } catch (err) {
    return errorMessage(err);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const why = warned.filter((w) => !/^Initialization of backend webgpu failed$/.test(w.trim()));
    return `tfjs could not initialise the 'webgpu' backend${why.length ? `: ${why.join(" | ")}` : ""}`;
  }
  explainSyncReads(tf.backend() as unknown as WebGPUBackendLike);
  return null;
}

/** The active webgpu backend's GPUDevice (for error scopes in the bench), or null. */
export function webgpuDevice(): unknown {
  if (tf.getBackend() !== "webgpu") return null;
  return (tf.backend() as unknown as { device?: unknown }).device ?? null;
}
