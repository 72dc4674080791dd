// selectBackend(): what `auto` picks here and why, explicit requests that cannot be met,
// RESNETC_BACKEND, and the quiet/idempotent set-up around it.

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BackendError,
  heapLimitBytes,
  selectBackend,
  wasmHeapLimitBytes,
} from "../../../runtime/backends/index.js";
import { isInstalled, wasLoaded } from "../../../runtime/backends/packages.js";
import { probeWebgpu } from "../../../runtime/backends/probes.js";
import { registerWasmTrainingKernels } from "../../../runtime/kernels/wasm/index.js";

const gpuInstalled = isInstalled("@tensorflow/tfjs-node-gpu");
const nodeInstalled = isInstalled("@tensorflow/tfjs-node");
const webgpuInstalled = isInstalled("webgpu") && isInstalled("@tensorflow/tfjs-backend-webgpu");
// What the webgpu probe says on this machine: the exact texts below are those of a machine with
// the packages installed and no Vulkan loader (this one, and CI); elsewhere those specs skip.
const NO_VULKAN = "webgpu: no adapter (Vulkan: libvulkan.so.1 not found)";
const webgpuHere = (await probeWebgpu()).summary;
const noVulkanHere = webgpuHere === NO_VULKAN;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("selectBackend", () => {
  it("never prints tfjs's 'install our node backend' banner", async () => {
    const warn = vi.spyOn(console, "warn");
    await selectBackend("cpu", { env: {} });
    tf.tidy(() => tf.add(tf.tensor([1, 2]), 1).dataSync());
    const printed = warn.mock.calls.map((c) => c.join(" ")).join("\n");
    expect(printed).not.toMatch(/looks like you are running TensorFlow\.js in Node/);
  });

  it.skipIf(gpuInstalled || nodeInstalled || !noVulkanHere)(
    "auto picks wasm here and says why, in one line",
    async () => {
      const choice = await selectBackend(undefined, { env: {} });
      expect(choice.name).toBe("wasm");
      expect(tf.getBackend()).toBe("wasm");
      expect(choice.threads).toBe(1);
      expect(choice.reason).toBe(
        "backend wasm (auto: @tensorflow/tfjs-node-gpu not installed, " +
          "@tensorflow/tfjs-node not installed, " +
          "webgpu: no adapter (Vulkan: libvulkan.so.1 not found); 1 thread)",
      );
      expect(choice.reason).not.toContain("\n");
      // and training kernels are in place
      expect(tf.getKernel(tf.Conv2DBackpropFilter, "wasm")).toBeDefined();
    },
  );

  it.skipIf(gpuInstalled || nodeInstalled || !noVulkanHere)(
    "an explicit 'auto' behaves like no flag",
    async () => {
      const choice = await selectBackend("auto", { env: { RESNETC_BACKEND: "cpu" } });
      expect(choice.name).toBe("wasm");
      expect(choice.reason).toMatch(/^backend wasm \(auto: /);
    },
  );

  it.skipIf(gpuInstalled)(
    "an explicit 'gpu' throws a BackendError that says how to install it",
    async () => {
      await selectBackend("cpu", { env: {} });
      const err = await selectBackend("gpu", { env: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).backend).toBe("gpu");
      expect((err as Error).message).toContain("@tensorflow/tfjs-node-gpu not installed");
      expect((err as Error).message).toContain("npm install @tensorflow/tfjs-node-gpu");
      expect(tf.getBackend()).toBe("cpu"); // nothing changed
    },
  );

  it.skipIf(nodeInstalled || gpuInstalled)("an explicit 'node' explains the same way", async () => {
    await expect(selectBackend("node", { env: {} })).rejects.toThrow(
      /@tensorflow\/tfjs-node not installed.*npm install @tensorflow\/tfjs-node/,
    );
  });

  it.skipIf(webgpuInstalled)("an explicit 'webgpu' says it is not installed", async () => {
    await expect(selectBackend("webgpu", { env: {} })).rejects.toThrow(
      /webgpu not installed.*npm install webgpu @tensorflow\/tfjs-backend-webgpu/,
    );
  });

  it.skipIf(!noVulkanHere)(
    "an explicit 'webgpu' without an adapter throws Dawn's reason and what to install",
    async () => {
      await selectBackend("cpu", { env: {} });
      const err = await selectBackend("webgpu", { env: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).backend).toBe("webgpu");
      expect((err as Error).message).toBe(
        "backend 'webgpu' (from --backend) is not available: " +
          "webgpu: no adapter (Vulkan: libvulkan.so.1 not found) (Dawn: Couldn't load Vulkan: " +
          "libvulkan.so.1: cannot open shared object file: No such file or directory). " +
          "To use it, install the Vulkan loader (Debian/Ubuntu: `apt install libvulkan1`) and a " +
          "Vulkan driver: NVIDIA's ships with its GPU driver (the Vulkan ICD nvidia_icd.json; if " +
          "it lies outside /usr/share/vulkan/icd.d, point VK_DRIVER_FILES at it), AMD's and " +
          "Intel's are Debian's mesa-vulkan-drivers; `vulkaninfo --summary` shows what the " +
          "loader finds. Or use --backend auto.",
      );
      expect(tf.getBackend()).toBe("cpu"); // nothing changed
    },
  );

  it.skipIf(!noVulkanHere)(
    "without an adapter, auto never loads Dawn here (its stderr stays in the probe's child)",
    async () => {
      const t = performance.now();
      await selectBackend(undefined, { env: {} });
      expect(performance.now() - t).toBeLessThan(3000);
      expect(await wasLoaded("webgpu")).toBe(false);
      expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    },
  );

  it("takes RESNETC_BACKEND when there is no flag, and says so", async () => {
    const choice = await selectBackend(undefined, { env: { RESNETC_BACKEND: "cpu" } });
    expect(choice.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(choice.reason).toBe("backend cpu (requested by RESNETC_BACKEND; 1 thread)");
  });

  it("lets the flag win over RESNETC_BACKEND", async () => {
    const choice = await selectBackend("wasm", { env: { RESNETC_BACKEND: "cpu" } });
    expect(choice.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(choice.reason).toBe("backend wasm (requested by --backend; 1 thread)");
  });

  it("reads process.env by default", async () => {
    const before = process.env.RESNETC_BACKEND;
    process.env.RESNETC_BACKEND = " CPU ";
    try {
      expect((await selectBackend()).name).toBe("cpu");
    } finally {
      if (before == null) delete process.env.RESNETC_BACKEND;
      else process.env.RESNETC_BACKEND = before;
    }
  });

  it("rejects unknown names, saying where the name came from", async () => {
    await expect(selectBackend("tpu", { env: {} })).rejects.toThrow(/unknown backend 'tpu'/);
    await expect(selectBackend(undefined, { env: { RESNETC_BACKEND: "gpux" } })).rejects.toThrow(
      /unknown backend 'gpux' \(from RESNETC_BACKEND\)/,
    );
  });

  it("registers the wasm kernels once, however often it runs", async () => {
    const warn = vi.spyOn(console, "warn");
    await selectBackend("wasm", { env: {} });
    const first = tf.getKernel(tf.Conv2DBackpropInput, "wasm");
    registerWasmTrainingKernels();
    await selectBackend("wasm", { env: {} });
    expect(tf.getKernel(tf.Conv2DBackpropInput, "wasm")).toBe(first);
    expect(warn.mock.calls.map((c) => c.join(" ")).join("\n")).not.toMatch(/already registered/);
  });

  it("removes the process listeners the wasm glue installs", async () => {
    await selectBackend("wasm", { env: {} });
    const fromGlue = (e: string) =>
      (process as unknown as { listeners(e: string): unknown[] })
        .listeners(e)
        .filter((l) => /ExitStatus|throw reason/.test(String(l)));
    expect(fromGlue("uncaughtException")).toEqual([]);
    expect(fromGlue("unhandledRejection")).toEqual([]);
  });
});

describe("memory limits", () => {
  it("wasm has a 4 GiB heap; other backends have no fixed cap", () => {
    expect(wasmHeapLimitBytes()).toBe(4294901760);
    expect(heapLimitBytes("wasm")).toBe(4294901760);
    expect(heapLimitBytes("cpu")).toBeNull();
    expect(heapLimitBytes("node")).toBeNull();
  });
});
