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
import { isInstalled } from "../../../runtime/backends/packages.js";
import { registerWasmTrainingKernels } from "../../../runtime/kernels/wasm/index.js";

const gpuInstalled = isInstalled("@tensorflow/tfjs-node-gpu");
const nodeInstalled = isInstalled("@tensorflow/tfjs-node");
const webgpuInstalled = isInstalled("webgpu") && isInstalled("@tensorflow/tfjs-backend-webgpu");

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

  it.skipIf(gpuInstalled || nodeInstalled || webgpuInstalled)(
    "auto picks wasm here and says why, in one line",
    async () => {
      const choice = await selectBackend(undefined, { env: {} });
      expect(choice.name).toBe("wasm");
      expect(tf.getBackend()).toBe("wasm");
      expect(choice.threads).toBe(1);
      expect(choice.reason).toBe(
        "backend wasm (auto: @tensorflow/tfjs-node-gpu not installed, " +
          "@tensorflow/tfjs-node not installed, webgpu not installed; 1 thread)",
      );
      expect(choice.reason).not.toContain("\n");
      // and training kernels are in place
      expect(tf.getKernel(tf.Conv2DBackpropFilter, "wasm")).toBeDefined();
    },
  );

  it.skipIf(gpuInstalled || nodeInstalled || webgpuInstalled)(
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
