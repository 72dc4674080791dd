// resnetc's fused convolution: the target's fusedConv2d (compiler/targets/tfjs/fused-ops/conv.ts)
// runs ResnetcFusedConv2D on wasm (runtime/kernels/wasm/fused_conv.ts: bias, residual and ReLU in
// the SIMD loops' stores) and composes stock ops on cpu; the two agree on every route (direct,
// Winograd on even and odd outputs, strided, 1x1, pixels that see only padding, dilated, the
// XNNPACK fallback for Co % 4), every epilogue (none, bias, relu, residual, all three) and both
// loop variants (fused multiply-add, mul+add). The composite itself is checked against tf.pad,
// a 'valid' conv2d and explicit adds; and the FMA loops must be the ones that run under Node.

import * as tf from "@tensorflow/tfjs-core";
import { existsSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { fusedConv2d } from "../../../compiler/targets/tfjs/fused-ops/conv.js";
import { FUSED_CONV_KERNEL } from "../../../compiler/targets/tfjs/fused-kernels.js";
import type { Pads } from "../../../compiler/ir/types.js";
import { wasmFmaState, wasmFmaSupported } from "../../../runtime/kernels/wasm/conv_module.js";
import {
  assembleModule,
  DROP,
  F32X4_RELAXED_MADD,
} from "../../../runtime/kernels/wasm/simd/assembler.js";
import type { WasmModuleLike } from "../../../runtime/kernels/wasm/wasm_heap.js";
import {
  expectClose,
  expectNothingLeftOnWasm,
  onCpuAndWasm,
  onWasm,
  randomValues,
  routesOf,
  size,
} from "./helpers.js";
import { FMA_VARIANTS, withFma } from "./fma.js";

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pads;
  dilation?: number;
  /** The route without a residual, and with one (default: the same). */
  route: string;
  withResidual?: string;
}

const pads = (top: number, bottom: number, left: number, right: number): Pads => ({
  top,
  bottom,
  left,
  right,
});

const CASES: Case[] = [
  {
    name: "3x3 stride 1, even output: Winograd",
    x: [2, 8, 8, 16],
    filter: [3, 3, 16, 16],
    stride: 1,
    pad: pads(1, 1, 1, 1),
    route: "winograd",
  },
  {
    name: "3x3 stride 1, odd output, Co % 16 != 0: Winograd cropped, direct with a residual",
    x: [2, 7, 7, 8],
    filter: [3, 3, 8, 20],
    stride: 1,
    pad: pads(1, 1, 1, 1),
    route: "winograd",
    withResidual: "direct",
  },
  {
    name: "3x3 stride 2, asymmetric pads: direct",
    x: [2, 9, 9, 8],
    filter: [3, 3, 8, 16],
    stride: 2,
    pad: pads(0, 1, 0, 1),
    route: "direct",
  },
  {
    name: "1x1 stride 1: direct",
    x: [2, 6, 5, 16],
    filter: [1, 1, 16, 32],
    stride: 1,
    pad: pads(0, 0, 0, 0),
    route: "direct",
  },
  {
    name: "1x1 stride 2 projection: direct",
    x: [2, 8, 8, 16],
    filter: [1, 1, 16, 36],
    stride: 2,
    pad: pads(0, 0, 0, 0),
    route: "direct",
  },
  {
    name: "1x1 with pads larger than the kernel (pixels that see only padding): direct",
    x: [1, 3, 3, 4],
    filter: [1, 1, 4, 4],
    stride: 1,
    pad: pads(2, 1, 1, 2),
    route: "direct",
  },
  {
    name: "3x3 dilation 2: direct",
    x: [1, 9, 9, 4],
    filter: [3, 3, 4, 8],
    stride: 1,
    pad: pads(2, 2, 2, 2),
    dilation: 2,
    route: "direct",
  },
  {
    name: "Co % 4 != 0: XNNPACK, Add and Relu",
    x: [2, 6, 6, 4],
    filter: [3, 3, 4, 6],
    stride: 1,
    pad: pads(1, 1, 1, 1),
    route: "xnnpack",
  },
];

interface Epi {
  bias: boolean;
  residual: boolean;
  relu: boolean;
}

const EPILOGUES: Epi[] = [
  { bias: false, residual: false, relu: false },
  { bias: true, residual: false, relu: false },
  { bias: false, residual: false, relu: true },
  { bias: false, residual: true, relu: false },
  { bias: true, residual: true, relu: true },
];

const epiLabel = (e: Epi) =>
  [e.bias && "bias", e.residual && "residual", e.relu && "relu"].filter(Boolean).join(" + ") ||
  "plain";

function outShape(c: Case): [number, number, number, number] {
  const d = c.dilation ?? 1;
  const [n, h, w] = c.x;
  const [kh, kw, , co] = c.filter;
  const oh = Math.floor((h + c.pad.top + c.pad.bottom - (d * (kh - 1) + 1)) / c.stride) + 1;
  const ow = Math.floor((w + c.pad.left + c.pad.right - (d * (kw - 1) + 1)) / c.stride) + 1;
  return [n, oh, ow, co];
}

function tensors(c: Case) {
  return {
    x: tf.tensor4d(randomValues(size(c.x), 71), c.x),
    w: tf.tensor4d(randomValues(size(c.filter), 72, 0.5), c.filter),
    b: tf.tensor1d(randomValues(c.filter[3], 73)),
    r: tf.tensor4d(randomValues(size(outShape(c)), 74), outShape(c)),
  };
}

function run(c: Case, e: Epi): { shape: number[]; data: Float32Array } {
  return tf.tidy(() => {
    const { x, w, b, r } = tensors(c);
    const d = c.dilation ?? 1;
    const y = fusedConv2d(x, w, e.bias ? b : null, e.residual ? r : null, {
      strides: [c.stride, c.stride],
      pad: c.pad,
      dilations: [d, d],
      relu: e.relu,
    });
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
}

/** The same by hand: tf.pad, a 'valid' conv2d, adds, relu. */
function byHand(c: Case, e: Epi): Float32Array {
  return tf.tidy(() => {
    const { x, w, b, r } = tensors(c);
    const p = c.pad;
    const xp = tf.pad(x, [
      [0, 0],
      [p.top, p.bottom],
      [p.left, p.right],
      [0, 0],
    ]);
    const d = c.dilation ?? 1;
    let y: tf.Tensor = tf.conv2d(xp, w, c.stride, "valid", "NHWC", d);
    if (e.bias) y = tf.add(y, b);
    if (e.residual) y = tf.add(y, r);
    if (e.relu) y = tf.relu(y);
    return y.dataSync() as Float32Array;
  });
}

describe("fusedConv2d: ResnetcFusedConv2D on wasm matches the composite on cpu", () => {
  for (const c of CASES) {
    for (const e of EPILOGUES) {
      for (const v of FMA_VARIANTS) {
        it(`${c.name}; ${epiLabel(e)} (${v.label})`, async () => {
          const { cpu, wasm, routes } = await withFma(v, () => onCpuAndWasm(() => run(c, e)));
          const base = e.residual ? (c.withResidual ?? c.route) : c.route;
          const parts = [e.bias && "bias", e.residual && "residual", e.relu && "relu"];
          const route = v.route(base, ...parts.filter((s): s is string => s !== false));
          expect(routesOf(routes, FUSED_CONV_KERNEL), "its route").toEqual({ [route]: 1 });
          expect(wasm.shape).toEqual(outShape(c));
          expect(cpu.shape).toEqual(outShape(c));
          expectClose(wasm.data, cpu.data, `${c.name} ${epiLabel(e)}`);
        });
      }
    }
  }

  it("frees every intermediate it makes on the wasm heap", async () => {
    const all = { bias: true, residual: true, relu: true };
    await expectNothingLeftOnWasm(() => {
      run(CASES[1], all); // direct with a residual
      run(CASES[1], { ...all, residual: false }); // Winograd, cropped
      run(CASES[7], all); // XNNPACK + Add + Relu
    });
  });
});

describe("fusedConv2d's composite (cpu) matches tf.pad, conv2d 'valid' and adds", () => {
  for (const c of CASES) {
    it(c.name, () => {
      for (const e of EPILOGUES) expectClose(run(c, e).data, byHand(c, e), epiLabel(e), 1e-5);
    });
  }
});

/** Whether this CPU has FMA3 (Linux: /proc/cpuinfo); null when it cannot be told. */
function cpuHasFma(): boolean | null {
  if (!existsSync("/proc/cpuinfo")) return null;
  return /^flags\s*:.*\bfma\b/m.test(readFileSync("/proc/cpuinfo", "utf8"));
}

describe("fused multiply-adds", () => {
  const fma3 = cpuHasFma();
  it.skipIf(fma3 !== true)(
    `round once: their results differ from mul+add's in the last bits${fma3 === true ? "" : " (skipped: no FMA3 on this CPU, or no /proc/cpuinfo to tell)"}`,
    async () => {
      const c = { ...CASES[2], x: [1, 9, 9, 64], filter: [3, 3, 64, 16] } as Case;
      const e = EPILOGUES[0];
      const outs: Float32Array[] = [];
      for (const v of FMA_VARIANTS)
        outs.push((await withFma(v, () => onWasm(() => run(c, e)))).data);
      const differ = outs[0].filter((a, i) => a !== outs[1][i]).length;
      expect(differ, "elements that differ").toBeGreaterThan(outs[0].length / 10);
      expectClose(outs[0], outs[1], "fma vs mul+add", 1e-4, 1e-5);
    },
  );

  it("run on this Node (relaxed SIMD, its V8 flag set at run time)", async () => {
    expect(wasmFmaSupported()).toBe(true);
    const state = await onWasm(() =>
      wasmFmaState((tf.backend() as unknown as { wasm: WasmModuleLike }).wasm),
    );
    expect(state).toEqual({ on: true, why: null });
  });

  it("RESNETC_WASM_FMA=off turns them off", async () => {
    const state = await withFma(FMA_VARIANTS[1], () =>
      onWasm(() => wasmFmaState((tf.backend() as unknown as { wasm: WasmModuleLike }).wasm)),
    );
    expect(state).toEqual({ on: false, why: "disabled by RESNETC_WASM_FMA=off" });
  });

  it("the V8 flag reaches worker threads (training's workers compile the same loops)", async () => {
    expect(wasmFmaSupported()).toBe(true); // sets the flag in this process
    const bytes = assembleModule([
      {
        name: "madd",
        params: 0,
        build: (b) => b.v128Zero().v128Zero().v128Zero().simd(F32X4_RELAXED_MADD).op(DROP),
      },
    ]);
    const worker = new Worker(
      "const { parentPort, workerData } = require('node:worker_threads');" +
        "parentPort.postMessage(WebAssembly.validate(workerData));",
      { eval: true, workerData: bytes },
    );
    const valid = await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(valid).toBe(true);
  });
});
