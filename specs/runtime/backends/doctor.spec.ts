// doctor(): every backend with its status, versions, threads, the one auto picks; the report is
// plain JSON and renders as text.

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  doctor,
  renderDoctor,
  selectBackend,
  type DoctorReport,
} from "../../../runtime/backends/index.js";
import { isInstalled } from "../../../runtime/backends/packages.js";
import { probeWebgpu } from "../../../runtime/backends/probes.js";

const optionalInstalled =
  isInstalled("@tensorflow/tfjs-node-gpu") || isInstalled("@tensorflow/tfjs-node");
const NO_VULKAN = "webgpu: no adapter (Vulkan: libvulkan.so.1 not found)";
const noVulkanHere = (await probeWebgpu()).summary === NO_VULKAN;

let report: DoctorReport;

describe("doctor", () => {
  beforeAll(async () => {
    await selectBackend("cpu", { env: {} });
    report = await doctor();
  });

  it("lists every backend in auto's order", () => {
    expect(report.backends.map((b) => b.name)).toEqual(["gpu", "node", "webgpu", "wasm", "cpu"]);
  });

  it.skipIf(optionalInstalled)("reports tfjs-node(-gpu) as not installed, with hints", () => {
    const node = report.backends.find((b) => b.name === "node")!;
    expect(node.status).toBe("not installed");
    expect(node.hint).toContain("npm install @tensorflow/tfjs-node");
    expect(report.backends.find((b) => b.name === "gpu")!.status).toBe("not installed");
    expect(report.packages["@tensorflow/tfjs-node"]).toBeNull();
  });

  it("reports webgpu's adapter, or why there is none", () => {
    const webgpu = report.backends.find((b) => b.name === "webgpu")!;
    if (webgpu.status === "available") {
      expect(webgpu.adapter).toBeDefined();
      expect(webgpu.detail).toMatch(/^adapter: \S/);
    } else if (webgpu.status === "no GPU visible") {
      expect(webgpu.summary).toMatch(/^webgpu: no adapter \(.+\)$/);
      expect(webgpu.hint).toMatch(/Vulkan/);
    } else {
      expect(["not installed", "failed to load"]).toContain(webgpu.status);
    }
  });

  it.skipIf(optionalInstalled || !noVulkanHere)(
    "without a Vulkan loader: webgpu has no adapter, Dawn's words kept, and auto picks wasm",
    () => {
      const webgpu = report.backends.find((b) => b.name === "webgpu")!;
      expect(webgpu.status).toBe("no GPU visible");
      expect(webgpu.detail).toBe(
        "Dawn: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: " +
          "No such file or directory",
      );
      expect(report.packages.webgpu).toMatch(/^\d+\.\d+\.\d+/);
      expect(report.auto?.name).toBe("wasm");
      expect(report.auto?.reason).toBe(
        "backend wasm (auto: @tensorflow/tfjs-node-gpu not installed, " +
          "@tensorflow/tfjs-node not installed, " +
          "webgpu: no adapter (Vulkan: libvulkan.so.1 not found); 1 thread)",
      );
      const text = renderDoctor(report);
      expect(text).toContain(
        `  webgpu  no GPU visible  webgpu ${report.packages.webgpu}, ` +
          `@tensorflow/tfjs-backend-webgpu ${report.packages["@tensorflow/tfjs-backend-webgpu"]}\n` +
          "          webgpu: no adapter (Vulkan: libvulkan.so.1 not found)\n" +
          "          Dawn: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object " +
          "file: No such file or directory\n" +
          "          to use it: install the Vulkan loader (Debian/Ubuntu: `apt install libvulkan1`)",
      );
    },
  );

  it("proves wasm and cpu work, with versions and threads", () => {
    const wasm = report.backends.find((b) => b.name === "wasm")!;
    expect(wasm.status).toBe("available");
    expect(wasm.threads).toBe(1);
    expect(report.backends.find((b) => b.name === "cpu")!.status).toBe("available");
    expect(report.packages["@tensorflow/tfjs-core"]).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.packages["@tensorflow/tfjs-backend-wasm"]).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.wasm.threads).toBe(1);
    expect(report.wasm.heapLimitBytes).toBe(4294901760);
    // Node.js 20+ has wasm SIMD: resnetc's loops load over the backend's heap.
    expect(report.wasm.simd).toBe(true);
    expect(report.wasm.simdFailure).toBeNull();
    // tfjs-backend-wasm's internals are what resnetc's kernels read (the pinned versions).
    expect(report.wasm.internals).toBeNull();
    expect(report.wasm.kernels.map((k) => k.kernel)).toEqual(
      expect.arrayContaining([
        "Conv2DBackpropFilter",
        "Conv2DBackpropInput",
        "Tile",
        "ResnetcFusedConv2D",
      ]),
    );
  });

  it("puts the previously active backend back", () => {
    expect(tf.getBackend()).toBe("cpu");
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("renders as text", () => {
    const text = renderDoctor(report);
    expect(text).toMatch(
      /^ {2}wasm {4}available {7}@tensorflow\/tfjs-backend-wasm \S+, 1 thread$/m,
    );
    expect(text).toMatch(/^auto picks: backend \w+ \(auto: /m);
    expect(text).toContain("heap limit  4.0 GiB");
    expect(text).toContain("SIMD loops  loaded: resnetc's kernels below run on them");
    expect(text).toContain(
      "FMA         on: the convolutions' multiply-adds are fused (f32x4.relaxed_madd)",
    );
    expect(text).toContain("  internals   as resnetc's kernels expect\n");
    if (!optionalInstalled) {
      expect(text).toMatch(/^ {2}node {4}not installed {3}@tensorflow\/tfjs-node$/m);
      expect(text).toContain("to use it: install it with `npm install @tensorflow/tfjs-node`");
    }
  });
});
