// resnetc's wasm Conv2DBackpropFilter (added) and Conv2DBackpropInput (replaced) against the cpu
// backend: forward output and the gradients of x, the filter and the bias, on shapes from real
// ResNets and on the awkward ones (odd sizes with stride 2, 'valid' that drops rows, explicit
// pads, a pad larger than the kernel).

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  expectClose,
  expectNothingLeftOnWasm,
  initBackends,
  onCpuAndWasm,
  randomValues,
  routesOf,
  type Pad,
} from "./helpers.js";
import { FMA_VARIANTS, withFma } from "./fma.js";

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  bias?: boolean;
  /** The routes resnetc's Conv2DBackpropFilter (dW) and Conv2DBackpropInput (dx) must take. */
  dW: "winograd" | "direct" | "xnnpack";
  dx: "winograd" | "direct" | "phases" | "xnnpack";
}

const CASES: Case[] = [
  {
    name: "3x3 s1 same [2,32,32,16] 16->16",
    dW: "winograd",
    dx: "winograd",
    x: [2, 32, 32, 16],
    filter: [3, 3, 16, 16],
    strides: 1,
    pad: "same",
  },
  {
    name: "3x3 s2 same [2,32,32,16] -> [2,16,16,32]",
    dW: "direct",
    dx: "phases",
    x: [2, 32, 32, 16],
    filter: [3, 3, 16, 32],
    strides: 2,
    pad: "same",
  },
  {
    name: "1x1 s2 valid projection 16->32",
    dW: "direct",
    dx: "phases",
    x: [2, 32, 32, 16],
    filter: [1, 1, 16, 32],
    strides: 2,
    pad: "valid",
  },
  {
    name: "1x1 s2 same projection with bias",
    dW: "direct",
    dx: "phases",
    x: [2, 16, 16, 16],
    filter: [1, 1, 16, 32],
    strides: 2,
    pad: "same",
    bias: true,
  },
  {
    name: "7x7 s2 same stem [1,56,56,3] -> 8",
    dW: "direct",
    dx: "xnnpack",
    x: [1, 56, 56, 3],
    filter: [7, 7, 3, 8],
    strides: 2,
    pad: "same",
  },
  {
    name: "7x7 s2 valid stem on odd 57x57 with bias",
    dW: "direct",
    dx: "xnnpack",
    x: [1, 57, 57, 3],
    filter: [7, 7, 3, 8],
    strides: 2,
    pad: "valid",
    bias: true,
  },
  {
    name: "3x3 s2 same on 7x7",
    dW: "direct",
    dx: "phases",
    x: [2, 7, 7, 8],
    filter: [3, 3, 8, 16],
    strides: 2,
    pad: "same",
  },
  {
    name: "3x3 s2 valid on 7x7",
    dW: "direct",
    dx: "phases",
    x: [2, 7, 7, 8],
    filter: [3, 3, 8, 16],
    strides: 2,
    pad: "valid",
  },
  {
    name: "3x3 s2 same on 15x15",
    dW: "direct",
    dx: "phases",
    x: [2, 15, 15, 8],
    filter: [3, 3, 8, 8],
    strides: 2,
    pad: "same",
  },
  {
    name: "3x3 s2 valid on 15x15",
    dW: "direct",
    dx: "phases",
    x: [2, 15, 15, 8],
    filter: [3, 3, 8, 8],
    strides: 2,
    pad: "valid",
  },
  {
    name: "3x3 s2 valid on 16x16 (last row never read)",
    dW: "direct",
    dx: "phases",
    x: [2, 16, 16, 8],
    filter: [3, 3, 8, 8],
    strides: 2,
    pad: "valid",
  },
  {
    name: "3x3 s1 same 8x8 64->64 with bias",
    dW: "winograd",
    dx: "winograd",
    x: [2, 8, 8, 64],
    filter: [3, 3, 64, 64],
    strides: 1,
    pad: "same",
    bias: true,
  },
  {
    name: "1x1 s1 valid 32->16",
    dW: "direct",
    dx: "direct",
    x: [2, 8, 8, 32],
    filter: [1, 1, 32, 16],
    strides: 1,
    pad: "valid",
  },
  {
    name: "3x3 s2 explicit pads top 1 bottom 2 left 2 right 0",
    dW: "xnnpack",
    dx: "phases",
    x: [2, 9, 10, 4],
    filter: [3, 3, 4, 6],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  {
    name: "1x1 s1 explicit pad 1 (pad larger than the kernel)",
    dW: "direct",
    dx: "direct",
    x: [2, 6, 6, 4],
    filter: [1, 1, 4, 4],
    strides: 1,
    pad: [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
  },
  {
    name: "3x3 strides [1,2] same on 9x9",
    dW: "direct",
    dx: "phases",
    x: [2, 9, 9, 4],
    filter: [3, 3, 4, 8],
    strides: [1, 2],
    pad: "same",
  },
];

function run(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(randomValues(n(c.x), 1), c.x);
    const w = tf.tensor4d(randomValues(n(c.filter), 2, 0.5), c.filter);
    const b = tf.tensor1d(randomValues(c.filter[3], 3));
    const conv = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) =>
      bb != null
        ? tf.fused.conv2d({
            x: xx as tf.Tensor4D,
            filter: ww as tf.Tensor4D,
            strides: c.strides,
            pad: c.pad,
            bias: bb,
          })
        : tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad);
    const y = c.bias ? conv(x, w, b) : conv(x, w);
    const r = tf.tensor(randomValues(y.size, 4), y.shape);
    const loss = (...args: tf.Tensor[]) => tf.sum(tf.mul(conv(args[0], args[1], args[2]), r));
    const grads = tf.grads(loss)(c.bias ? [x, w, b] : [x, w]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe("wasm conv2d gradients match cpu", () => {
  beforeAll(async () => {
    await initBackends();
    for (const k of [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.Tile]) {
      const config = tf.getKernel(k, "wasm") as unknown as Record<symbol, unknown> | undefined;
      expect(config?.[Symbol.for("resnetc.wasmKernel")], `${k} is resnetc's`).toBe(true);
    }
  });

  for (const c of CASES) {
    for (const v of FMA_VARIANTS) {
      it(`${c.name} (${v.label})`, async () => {
        const { cpu, wasm, routes } = await withFma(v, () => onCpuAndWasm(() => run(c)));
        const dW = v.route(c.dW);
        const dx = v.route(c.dx);
        expect(routesOf(routes, "Conv2DBackpropFilter"), "dW's route").toEqual({ [dW]: 1 });
        expect(routesOf(routes, "Conv2DBackpropInput"), "dx's route").toEqual({ [dx]: 1 });
        const names = ["y", "dx", "dW", "dBias"];
        expect(wasm.length).toBe(cpu.length);
        for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `${c.name}: ${names[i]}`);
      });
    }
  }

  it("depthwise conv and gather gradients (delegated to the cpu kernels) match cpu", async () => {
    const { cpu, wasm, routes } = await onCpuAndWasm(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(randomValues(2 * 9 * 9 * 4, 41), [2, 9, 9, 4]);
        const w = tf.tensor4d(randomValues(3 * 3 * 4 * 2, 42), [3, 3, 4, 2]);
        const table = tf.tensor2d(randomValues(10 * 3, 43), [10, 3]);
        const idx = tf.tensor1d([1, 7, 1, 3, 9], "int32");
        const r = tf.tensor(randomValues(2 * 5 * 5 * 8, 44), [2, 5, 5, 8]);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"), r)),
        )([x, w]);
        const [dt] = tf.grads((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, idx))))([table]);
        return [dx, dw, dt].map((t) => t.dataSync() as Float32Array);
      }),
    );
    for (const k of [
      "DepthwiseConv2dNativeBackpropFilter",
      "DepthwiseConv2dNativeBackpropInput",
      "UnsortedSegmentSum",
    ]) {
      expect(routesOf(routes, k), k).toEqual({ cpu: 1 });
    }
    cpu.forEach((g, i) => expectClose(wasm[i], g, `delegated gradient ${i}`));
  });

  it("NCHW filter gradient (transposed to NHWC inside) matches NHWC", async () => {
    await initBackends();
    await tf.setBackend("wasm");
    try {
      const x = tf.tensor4d(randomValues(2 * 8 * 8 * 4, 5), [2, 8, 8, 4]);
      const dy = tf.tensor4d(randomValues(2 * 4 * 4 * 6, 6), [2, 4, 4, 6]);
      const attrs = { strides: 2, pad: "same", dimRoundingMode: undefined };
      const nhwc = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
        ...attrs,
        dataFormat: "NHWC",
        filterShape: [3, 3, 4, 6],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const nchw = tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropFilter,
          { x: tf.transpose(x, [0, 3, 1, 2]), dy: tf.transpose(dy, [0, 3, 1, 2]) },
          { ...attrs, dataFormat: "NCHW", filterShape: [3, 3, 4, 6] } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor;
      expectClose(nchw.dataSync(), nhwc.dataSync(), "NCHW vs NHWC", 1e-5, 1e-6);
    } finally {
      await tf.setBackend("cpu");
    }
  });

  it("frees every intermediate it makes on the wasm heap", async () => {
    await expectNothingLeftOnWasm(() => run(CASES[1]));
  });
});
