// The webgpu route when Dawn finds no adapter, on every machine: Dawn's stderr as the adapter probe
// captures it (real outputs of webgpu 0.6.2, recorded on Debian 12) turned into the reason line,
// the BackendError of an explicit request, and doctor's report. The probe is replaced by these
// recordings, so the texts are exact whatever this machine has.

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BackendError,
  doctor,
  renderDoctor,
  selectBackend,
} from "../../../runtime/backends/index.js";
import { isInstalled } from "../../../runtime/backends/packages.js";
import * as webgpu from "../../../runtime/backends/webgpu.js";
import type { AdapterProbe } from "../../../runtime/backends/webgpu.js";

const probeResult = vi.hoisted(() => ({ current: null as AdapterProbe | null }));

vi.mock("../../../runtime/backends/webgpu.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../runtime/backends/webgpu.js")>();
  return { ...real, probeAdapter: () => Promise.resolve(probeResult.current!) };
});

const tfjsNodeInstalled =
  isInstalled("@tensorflow/tfjs-node-gpu") || isInstalled("@tensorflow/tfjs-node");
const webgpuInstalled = isInstalled("webgpu") && isInstalled("@tensorflow/tfjs-backend-webgpu");

/** Dawn's stderr, verbatim, in three situations. */
const STDERR = {
  noLoader:
    "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such " +
    "file or directory\n    at operator() (/home/runner/work/node-webgpu/node-webgpu/third_party/" +
    "dawn/src/dawn/native/vulkan/BackendVk.cpp:368)\n\n",
  noDriver:
    "Warning: vkCreateInstance: Found no drivers!\nWarning: vkCreateInstance failed with " +
    "VK_ERROR_INCOMPATIBLE_DRIVER\n    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/" +
    "node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)\n\n",
  oldDriver:
    "Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing " +
    "adapter (backend=BackendType::Vulkan)\n    at InitializeImpl (/home/runner/work/node-webgpu/" +
    "node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)\n\n",
};

function noAdapter(stderr: string): AdapterProbe {
  return { adapter: null, messages: webgpu.dawnMessages(stderr) };
}

const H200: webgpu.WebgpuAdapterInfo = {
  vendor: "nvidia",
  architecture: "hopper",
  device: "NVIDIA H200",
  description: "NVIDIA: 580.159.03 580.159.3.0",
  isFallbackAdapter: false,
  maxBufferSize: 2 ** 32,
  maxStorageBufferBindingSize: 2 ** 31,
};

describe("Dawn's messages", () => {
  it("drop source locations and 'Warning:' and keep context with its message", () => {
    expect(webgpu.dawnMessages(STDERR.noLoader)).toEqual([
      "Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
    ]);
    expect(webgpu.dawnMessages(STDERR.noDriver)).toEqual([
      "vkCreateInstance: Found no drivers!",
      "vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER",
    ]);
    expect(webgpu.dawnMessages(STDERR.oldDriver)).toEqual([
      "Vulkan shaderUniform*ArrayDynamicIndexing required. " +
        "(While initializing adapter (backend=BackendType::Vulkan))",
    ]);
  });

  it("become one short reason each", () => {
    const reason = (s: string) => webgpu.noAdapterReason(webgpu.dawnMessages(s));
    expect(reason(STDERR.noLoader)).toBe("Vulkan: libvulkan.so.1 not found");
    expect(reason(STDERR.noDriver)).toBe("Vulkan: no driver found");
    expect(reason(STDERR.oldDriver)).toBe(
      "the Vulkan driver lacks shaderUniform*ArrayDynamicIndexing",
    );
    expect(webgpu.noAdapterReason([])).toBe("Dawn reported no reason");
  });

  it("name an adapter by its device, and describe it for doctor", () => {
    expect(webgpu.adapterLabel(H200)).toBe("NVIDIA H200");
    expect(webgpu.describeAdapter(H200)).toBe(
      "NVIDIA H200 (vendor nvidia, architecture hopper; NVIDIA: 580.159.03 580.159.3.0); " +
        "largest buffer 4.0 GiB",
    );
    expect(webgpu.autoSkipReason(H200, {})).toBeNull();
    expect(webgpu.autoSkipReason({ ...H200, device: "llvmpipe (LLVM 15.0.6, 256 bits)" }, {})).toBe(
      "webgpu: only a software adapter (llvmpipe (LLVM 15.0.6, 256 bits))",
    );
  });
});

describe("testing without a GPU: SwiftShader's software Vulkan", () => {
  it("is found where Debian's, Ubuntu's or Fedora's chromium puts it", () => {
    const at = (path: string) => (p: string) => p === path;
    expect(webgpu.swiftshaderIcd(at("/usr/lib/chromium/vk_swiftshader_icd.json"))).toBe(
      "/usr/lib/chromium/vk_swiftshader_icd.json",
    );
    expect(webgpu.swiftshaderIcd(at("/usr/lib64/chromium-browser/vk_swiftshader_icd.json"))).toBe(
      "/usr/lib64/chromium-browser/vk_swiftshader_icd.json",
    );
    expect(webgpu.swiftshaderIcd(() => false)).toBeNull();
  });

  it("doctor's advice names the file when it is here, else how to get it", () => {
    const reason = "Vulkan: no driver found";
    expect(webgpu.noAdapterHint(reason, "/opt/sw/vk_swiftshader_icd.json")).toMatch(
      /shows what the loader finds; to try the route without a GPU, SwiftShader's software Vulkan driver \(slow, for testing: auto passes it over, --backend webgpu uses it\): VK_ICD_FILENAMES=\/opt\/sw\/vk_swiftshader_icd.json \(found here\)$/,
    );
    expect(webgpu.noAdapterHint(reason, null)).toMatch(
      /: VK_ICD_FILENAMES=\/usr\/lib\/chromium\/vk_swiftshader_icd.json after `apt install chromium` \(Debian's chromium ships it\)$/,
    );
  });
});

describe.skipIf(tfjsNodeInstalled || !webgpuInstalled)("selection without an adapter", () => {
  beforeEach(async () => {
    await selectBackend("cpu", { env: {} });
  });
  afterEach(() => {
    probeResult.current = null;
  });

  const cases = [
    ["noLoader", "Vulkan: libvulkan.so.1 not found"],
    ["noDriver", "Vulkan: no driver found"],
    ["oldDriver", "the Vulkan driver lacks shaderUniform*ArrayDynamicIndexing"],
  ] as const;

  for (const [which, reason] of cases) {
    it(`auto moves on to wasm and says why (${reason})`, async () => {
      probeResult.current = noAdapter(STDERR[which]);
      const choice = await selectBackend(undefined, { env: {} });
      expect(choice.name).toBe("wasm");
      expect(choice.reason).toBe(
        "backend wasm (auto: @tensorflow/tfjs-node-gpu not installed, " +
          `@tensorflow/tfjs-node not installed, webgpu: no adapter (${reason}); 1 thread)`,
      );
    });
  }

  it("an explicit 'webgpu' throws a BackendError with Dawn's words and what to install", async () => {
    probeResult.current = noAdapter(STDERR.noDriver);
    const err = await selectBackend("webgpu", { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).backend).toBe("webgpu");
    expect((err as Error).message).toBe(
      "backend 'webgpu' (from --backend) is not available: webgpu: no adapter (Vulkan: no " +
        "driver found) (Dawn: vkCreateInstance: Found no drivers! | vkCreateInstance failed " +
        "with VK_ERROR_INCOMPATIBLE_DRIVER). To use it, install a Vulkan driver: NVIDIA's ships " +
        "with its GPU driver (the Vulkan ICD nvidia_icd.json; if it lies outside " +
        "/usr/share/vulkan/icd.d, point VK_DRIVER_FILES at it), AMD's and Intel's are Debian's " +
        "mesa-vulkan-drivers; `vulkaninfo --summary` shows what the loader finds" +
        webgpu.swiftshaderHint(webgpu.swiftshaderIcd()) +
        ". Or use --backend auto.",
    );
    expect(tf.getBackend()).toBe("cpu");
  });

  it("RESNETC_BACKEND=webgpu names its source", async () => {
    probeResult.current = noAdapter(STDERR.noLoader);
    await expect(selectBackend(undefined, { env: { RESNETC_BACKEND: "webgpu" } })).rejects.toThrow(
      /^backend 'webgpu' \(from RESNETC_BACKEND\) is not available: webgpu: no adapter \(Vulkan: libvulkan\.so\.1 not found\)/,
    );
  });

  it("a probe that failed (Dawn did not load) is 'failed to load', with the error", async () => {
    probeResult.current = {
      adapter: null,
      messages: [],
      error: "Error: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found",
    };
    const choice = await selectBackend(undefined, { env: {} });
    expect(choice.reason).toContain(", webgpu failed to load; 1 thread)");
    await expect(selectBackend("webgpu", { env: {} })).rejects.toThrow(
      "backend 'webgpu' (from --backend) is not available: webgpu failed to load " +
        "(Error: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found)",
    );
  });

  it("doctor shows the reason and Dawn's words on the webgpu line", async () => {
    probeResult.current = noAdapter(STDERR.noLoader);
    const report = await doctor();
    const w = report.backends.find((b) => b.name === "webgpu")!;
    expect(w.status).toBe("no GPU visible");
    expect(w.summary).toBe("webgpu: no adapter (Vulkan: libvulkan.so.1 not found)");
    expect(w.adapter).toBeUndefined();
    const lines = renderDoctor(report).split("\n");
    const at = lines.findIndex((l) => l.startsWith("  webgpu  "));
    expect(lines[at]).toMatch(
      /^ {2}webgpu {2}no GPU visible {2}webgpu \S+, @tensorflow\/tfjs-backend-webgpu \S+$/,
    );
    expect(lines.slice(at + 1, at + 3)).toEqual([
      "          webgpu: no adapter (Vulkan: libvulkan.so.1 not found)",
      "          Dawn: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: " +
        "No such file or directory",
    ]);
    expect(lines[at + 3]).toMatch(/^ {10}to use it: install the Vulkan loader \(Debian\/Ubuntu: /);
  });

  it("doctor shows the adapter when there is one, and auto's line names it", async () => {
    probeResult.current = { adapter: H200, messages: [] };
    const report = await doctor();
    const w = report.backends.find((b) => b.name === "webgpu")!;
    expect(w.status).toBe("available");
    expect(w.adapter).toEqual(H200);
    expect(renderDoctor(report)).toContain(
      "          adapter: NVIDIA H200 (vendor nvidia, architecture hopper; NVIDIA: 580.159.03 " +
        "580.159.3.0); largest buffer 4.0 GiB\n",
    );
    expect(report.auto).toEqual({
      name: "webgpu",
      reason:
        "backend webgpu (auto: @tensorflow/tfjs-node-gpu not installed, " +
        "@tensorflow/tfjs-node not installed; adapter NVIDIA H200)",
    });
  });

  it("auto passes a software adapter over, saying so", async () => {
    probeResult.current = {
      adapter: { ...H200, device: "llvmpipe (LLVM 15.0.6, 256 bits)", isFallbackAdapter: true },
      messages: [],
    };
    const choice = await selectBackend(undefined, { env: {} });
    expect(choice.name).toBe("wasm");
    expect(choice.reason).toContain(
      ", webgpu: only a software adapter (llvmpipe (LLVM 15.0.6, 256 bits)); 1 thread)",
    );
  });
});
