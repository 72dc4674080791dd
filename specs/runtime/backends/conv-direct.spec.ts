// resnetc's direct SIMD convolutions on wasm (Conv2D, FusedConv2D with bias and relu applied in
// the stores, Conv2DBackpropInput) against the cpu kernels, called as kernels, each case with the
// fused multiply-add loops and the mul+add ones (fma.ts): ResNet shapes, output channel
// counts with a 4-wide tail (Co % 16 != 0), odd widths (a pixel left after the pairs), strides,
// dilations, explicit and oversized pads, 'valid' dropping rows, kernels larger than the input,
// strides larger than the kernel (input-gradient phases no tap reaches), and the cases that go to
// the original kernels (other activations, Co % 4 != 0, filters over the size limit); 3x3
// stride-1 cases run as Winograd F(2x2, 3x3).

import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { DIRECT_MAX_FILTER_FLOATS } from "../../../runtime/kernels/wasm/conv_direct.js";
import { winogradFits } from "../../../runtime/kernels/wasm/winograd.js";
import {
  expectClose,
  expectNothingLeftOnWasm,
  explicit,
  onCpuAndWasm,
  randomValues,
  routesOf,
  size,
  type ConvCase,
} from "./helpers.js";
import { FMA_VARIANTS, withFma } from "./fma.js";

/** A case with the routes resnetc's kernels must take: forward, and input gradient (dx). */
type Case = ConvCase & { fwd: "winograd" | "direct" | "xnnpack"; dx?: string };

const CASES: Case[] = [
  {
    x: [4, 32, 32, 16],
    filter: [3, 3, 16, 16],
    strides: [1, 1],
    pad: "same",
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [4, 32, 32, 16],
    filter: [3, 3, 16, 32],
    strides: [2, 2],
    pad: "same",
    fwd: "direct",
    dx: "phases",
  },
  {
    x: [4, 8, 8, 64],
    filter: [3, 3, 64, 64],
    strides: [1, 1],
    pad: "same",
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [4, 32, 32, 3],
    filter: [3, 3, 3, 16],
    strides: [1, 1],
    pad: "same",
    fwd: "direct",
    dx: "xnnpack",
  },
  {
    x: [2, 7, 7, 8],
    filter: [3, 3, 8, 20],
    strides: [1, 1],
    pad: "same",
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [2, 15, 15, 4],
    filter: [3, 3, 4, 12],
    strides: [2, 2],
    pad: "valid",
    fwd: "direct",
    dx: "phases",
  },
  {
    x: [2, 16, 16, 8],
    filter: [3, 3, 8, 8],
    strides: [2, 2],
    pad: "valid",
    fwd: "direct",
    dx: "phases",
  },
  {
    x: [2, 9, 11, 12],
    filter: [5, 5, 12, 4],
    strides: [2, 2],
    pad: "same",
    fwd: "direct",
    dx: "phases",
  },
  {
    x: [2, 16, 16, 16],
    filter: [1, 1, 16, 32],
    strides: [2, 2],
    pad: "valid",
    fwd: "direct",
    dx: "phases",
  },
  {
    x: [2, 10, 7, 4],
    filter: [3, 3, 4, 8],
    strides: [2, 1],
    pad: explicit(2, 0, 0, 1),
    fwd: "direct",
    dx: "phases",
  },
  {
    x: [2, 6, 6, 4],
    filter: [1, 1, 4, 4],
    strides: [1, 1],
    pad: explicit(2, 2, 2, 2),
    fwd: "direct",
    dx: "direct",
  },
  {
    x: [2, 5, 5, 4],
    filter: [7, 7, 4, 8],
    strides: [1, 1],
    pad: "same",
    fwd: "direct",
    dx: "direct",
  },
  {
    x: [2, 9, 9, 8],
    filter: [2, 2, 8, 8],
    strides: [3, 3],
    pad: "valid",
    fwd: "direct",
    dx: "phases",
  },
  {
    x: [1, 11, 11, 4],
    filter: [3, 3, 4, 8],
    strides: [1, 1],
    pad: "same",
    dilations: [2, 2],
    fwd: "direct",
  },
  {
    x: [1, 12, 9, 8],
    filter: [3, 2, 8, 4],
    strides: [1, 1],
    pad: "valid",
    dilations: [2, 3],
    fwd: "direct",
  },
  // 3x3 stride 1: Winograd F(2x2, 3x3) (odd sizes crop the last tiles, pads of 0 to 3)
  {
    x: [3, 16, 16, 32],
    filter: [3, 3, 32, 32],
    strides: [1, 1],
    pad: "same",
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [2, 9, 11, 4],
    filter: [3, 3, 4, 12],
    strides: [1, 1],
    pad: "same",
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [2, 9, 10, 8],
    filter: [3, 3, 8, 4],
    strides: [1, 1],
    pad: "valid",
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [1, 6, 7, 4],
    filter: [3, 3, 4, 8],
    strides: [1, 1],
    pad: explicit(2, 0, 3, 1),
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [1, 5, 5, 8],
    filter: [3, 3, 8, 16],
    strides: [1, 1],
    pad: explicit(3, 3, 0, 2),
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [1, 2, 2, 4],
    filter: [3, 3, 4, 4],
    strides: [1, 1],
    pad: "same",
    fwd: "winograd",
    dx: "winograd",
  },
  {
    x: [2, 6, 6, 4],
    filter: [3, 3, 4, 6],
    strides: [1, 1],
    pad: "same",
    fwd: "xnnpack",
    dx: "direct",
  }, // Co % 4: original
  {
    x: [1, 3, 3, 160],
    filter: [3, 3, 160, 160],
    strides: [1, 1],
    pad: "same",
    fwd: "xnnpack",
    dx: "winograd",
  }, // over the limit
];

function inputs(c: Case) {
  const x = tf.tensor4d(randomValues(size(c.x), 61), c.x);
  const w = tf.tensor4d(randomValues(size(c.filter), 62, 0.5), c.filter);
  return { x, w };
}

function forward(c: Case, fused?: { bias?: boolean; activation?: tf.fused.Activation }) {
  return tf.tidy(() => {
    const { x, w } = inputs(c);
    const y = fused
      ? tf.fused.conv2d({
          x,
          filter: w,
          strides: c.strides,
          pad: c.pad,
          dilations: c.dilations,
          bias: fused.bias ? tf.tensor1d(randomValues(c.filter[3], 63)) : undefined,
          activation: fused.activation,
        })
      : tf.conv2d(x, w, c.strides, c.pad, "NHWC", c.dilations);
    return { shape: y.shape, data: Array.from(y.dataSync()) };
  });
}

function inputGrad(c: Case) {
  return tf.tidy(() => {
    const { x, w } = inputs(c);
    const dyShape = tf.conv2d(x, w, c.strides, c.pad).shape;
    const dy = tf.tensor(randomValues(size(dyShape), 64), dyShape);
    const attrs = {
      strides: c.strides,
      pad: c.pad,
      dataFormat: "NHWC",
      dimRoundingMode: undefined,
      inputShape: c.x,
    };
    const dx = tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropInput,
        { dy, filter: w },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
    return { shape: dx.shape, data: Array.from(dx.dataSync()) };
  });
}

const label = (c: Case) =>
  `x ${JSON.stringify(c.x)} filter ${JSON.stringify(c.filter)} strides ${c.strides} ` +
  `pad ${JSON.stringify(c.pad)}${c.dilations ? ` dilations ${c.dilations}` : ""}`;

describe("wasm direct Conv2D and FusedConv2D match cpu", () => {
  it("the size limit sits between ResNet filters and the large case below", () => {
    expect(3 * 3 * 128 * 128).toBeLessThanOrEqual(DIRECT_MAX_FILTER_FLOATS);
    expect(3 * 3 * 160 * 160).toBeGreaterThan(DIRECT_MAX_FILTER_FLOATS);
  });

  it("Winograd's padded copy is allowed for CIFAR activations, not for huge ones", () => {
    expect(winogradFits(64, 32, 32, 16)).toBe(true);
    expect(winogradFits(128, 56, 56, 64)).toBe(true);
    expect(winogradFits(64, 224, 224, 64)).toBe(false);
    expect(winogradFits(0, 8, 8, 4)).toBe(false);
  });

  for (const c of CASES) {
    for (const v of FMA_VARIANTS) {
      it(`${label(c)} (${v.label})`, async () => {
        const { cpu, wasm, routes } = await withFma(v, () =>
          onCpuAndWasm(() => [forward(c), forward(c, {})]),
        );
        const route = v.route(c.fwd);
        expect(routesOf(routes, "Conv2D"), "Conv2D's route").toEqual({ [route]: 1 });
        expect(routesOf(routes, "FusedConv2D"), "FusedConv2D's route").toEqual({ [route]: 1 });
        expect(wasm[0].shape).toEqual(cpu[0].shape);
        expectClose(wasm[0].data, cpu[0].data, `conv2d ${label(c)}`);
        expectClose(wasm[1].data, cpu[1].data, `fused conv2d ${label(c)}`);
      });
    }
  }

  for (const v of FMA_VARIANTS) {
    it(`fused with bias and/or relu: applied in the stores (${v.label})`, async () => {
      const c = CASES[4];
      const { cpu, wasm, routes } = await withFma(v, () =>
        onCpuAndWasm(() => [
          forward(c, { bias: true }),
          forward(c, { activation: "relu" }),
          forward(c, { bias: true, activation: "relu" }),
          forward(c, { bias: true, activation: "linear" }),
        ]),
      );
      expect(routesOf(routes, "FusedConv2D")).toEqual({
        [v.route("winograd", "bias")]: 2,
        [v.route("winograd", "relu")]: 1,
        [v.route("winograd", "bias", "relu")]: 1,
      });
      cpu.forEach((r, i) => expectClose(wasm[i].data, r.data, `fused variant ${i}`));
    });
  }

  it("fused with other activations (elu, sigmoid, relu6): the original kernel", async () => {
    const c = CASES[4];
    const { cpu, wasm, routes } = await onCpuAndWasm(() => [
      forward(c, { bias: true, activation: "elu" }),
      forward(c, { activation: "sigmoid" }),
      forward(c, { bias: true, activation: "relu6" }),
    ]);
    expect(routesOf(routes, "FusedConv2D")).toEqual({ xnnpack: 3 });
    cpu.forEach((r, i) => expectClose(wasm[i].data, r.data, `fused variant ${i}`));
  });
});

describe("wasm direct Conv2DBackpropInput matches cpu", () => {
  for (const c of CASES) {
    for (const v of FMA_VARIANTS) {
      it(`${label(c)} (${v.label})`, async () => {
        if (c.dilations) return; // tfjs has no input gradient for dilated convolutions
        const { cpu, wasm, routes } = await withFma(v, () => onCpuAndWasm(() => inputGrad(c)));
        const route = v.route(c.dx!);
        expect(routesOf(routes, "Conv2DBackpropInput"), "its route").toEqual({ [route]: 1 });
        expect(wasm.shape).toEqual(c.x);
        expectClose(wasm.data, cpu.data, `dx ${label(c)}`);
      });
    }
  }

  it("frees every intermediate it makes on the wasm heap", async () => {
    await expectNothingLeftOnWasm(() => {
      inputGrad(CASES[7]);
      inputGrad(CASES[12]);
      inputGrad(CASES[16]); // Winograd, odd sizes: cropped
      forward(CASES[17]);
      forward(CASES[9]);
      forward(CASES[13], {});
    });
  });
});
