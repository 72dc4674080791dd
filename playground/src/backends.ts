// The page's tfjs backends: webgpu, else webgl, else wasm (tfjs's wasm binaries are served by the
// playground server from /wasm/).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerTrainingGradients } from "../../runtime/kernels/gradients.js";
import { registerWasmTrainingKernels } from "../../runtime/kernels/wasm/index.js";
import { patchPadKernel } from "../../runtime/backends/webgpu-kernels.js";

export type PageBackend = "webgpu" | "webgl" | "wasm";
export const BACKENDS: PageBackend[] = ["webgpu", "webgl", "wasm"];

setWasmPaths(new URL("wasm/", location.href).href);

/** Activates `want`, or the first of webgpu, webgl, wasm that initialises; returns its name. */
export async function useBackend(want: PageBackend | "auto"): Promise<PageBackend> {
  registerTrainingGradients();
  // resnetc's wasm kernels: the training kernels tfjs-backend-wasm lacks (Conv2DBackpropFilter, ...).
  registerWasmTrainingKernels();
  // Pads of rank 5 and 6 (the gradient of option A's shortcut) through views of rank <= 4: neither
  // tfjs-backend-webgpu's WGSL nor tfjs-backend-webgl's GLSL for them compiles.
  patchPadKernel("webgpu");
  patchPadKernel("webgl");
  const order = want === "auto" ? BACKENDS : [want];
  const failed: string[] = [];
  for (const name of order) {
    if (tf.getBackend() === name) return name;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // reported below with the others
    }
    failed.push(name);
  }
  throw new Error(
    `no backend could start (${failed.join(", ")})` +
      (failed.includes("webgpu") ? "; WebGPU needs a browser that has it enabled" : ""),
  );
}
