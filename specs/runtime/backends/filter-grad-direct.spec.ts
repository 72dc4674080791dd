// The direct (SIMD module) route of resnetc's wasm Conv2DBackpropFilter against the cpu kernel,
// called as a kernel: ResNet shapes, channel counts that leave tails (Ci not a multiple of 4,
// Co a multiple of 4 but not of 8), strides, explicit and oversized pads, a kernel larger than
// its input; 3x3 stride 1 (Winograd); Co not a multiple of 4 takes the XNNPACK route (covered
// by conv-grads.spec.ts too).

import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
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

/** A case with the route resnetc's Conv2DBackpropFilter must take. */
type Case = ConvCase & { route: "winograd" | "direct" | "xnnpack" };

const CASES: Case[] = [
  { x: [8, 32, 32, 16], filter: [3, 3, 16, 16], strides: [1, 1], pad: "same", route: "winograd" },
  { x: [4, 32, 32, 16], filter: [3, 3, 16, 32], strides: [2, 2], pad: "same", route: "direct" },
  { x: [4, 8, 8, 64], filter: [3, 3, 64, 64], strides: [1, 1], pad: "same", route: "winograd" },
  { x: [4, 32, 32, 3], filter: [3, 3, 3, 16], strides: [1, 1], pad: "same", route: "direct" },
  { x: [3, 7, 7, 5], filter: [3, 3, 5, 12], strides: [1, 1], pad: "same", route: "direct" },
  { x: [2, 15, 15, 7], filter: [3, 3, 7, 4], strides: [2, 2], pad: "valid", route: "direct" },
  { x: [2, 9, 9, 6], filter: [5, 5, 6, 20], strides: [2, 2], pad: "same", route: "direct" },
  { x: [2, 16, 16, 16], filter: [1, 1, 16, 32], strides: [2, 2], pad: "valid", route: "direct" },
  {
    x: [2, 10, 7, 4],
    filter: [3, 3, 4, 8],
    strides: [2, 1],
    pad: explicit(2, 0, 0, 1),
    route: "direct",
  },
  {
    x: [2, 5, 5, 4],
    filter: [1, 1, 4, 4],
    strides: [1, 1],
    pad: explicit(2, 2, 2, 2),
    route: "direct",
  },
  { x: [2, 5, 5, 2], filter: [7, 7, 2, 8], strides: [1, 1], pad: "same", route: "direct" },
  // 3x3 stride 1 with Ci % 4 == 0: Winograd F(2x2, 3x3) (odd outputs padded to whole tiles)
  { x: [3, 16, 16, 32], filter: [3, 3, 32, 32], strides: [1, 1], pad: "same", route: "winograd" },
  { x: [2, 9, 11, 4], filter: [3, 3, 4, 12], strides: [1, 1], pad: "same", route: "winograd" },
  { x: [2, 9, 10, 8], filter: [3, 3, 8, 4], strides: [1, 1], pad: "valid", route: "winograd" },
  {
    x: [1, 6, 7, 12],
    filter: [3, 3, 12, 8],
    strides: [1, 1],
    pad: explicit(2, 0, 3, 1),
    route: "winograd",
  },
  { x: [1, 2, 2, 4], filter: [3, 3, 4, 16], strides: [1, 1], pad: "same", route: "winograd" },
  { x: [1, 6, 6, 3], filter: [3, 3, 3, 6], strides: [1, 1], pad: "same", route: "xnnpack" }, // XNNPACK route
];

function filterGrad(c: Case): { shape: number[]; data: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(size(c.x), 51), c.x);
    const dyShape = tf.conv2d(x, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape;
    const dy = tf.tensor(randomValues(size(dyShape), 52), dyShape);
    const attrs = {
      strides: c.strides,
      pad: c.pad,
      dataFormat: "NHWC",
      dimRoundingMode: undefined,
      filterShape: c.filter,
    };
    const dw = tf
      .engine()
      .runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap);
    return { shape: (dw as tf.Tensor).shape, data: Array.from((dw as tf.Tensor).dataSync()) };
  });
}

describe("wasm Conv2DBackpropFilter (direct route) matches cpu", () => {
  for (const c of CASES) {
    const label = `x ${JSON.stringify(c.x)} filter ${JSON.stringify(c.filter)} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;
    for (const v of FMA_VARIANTS) {
      it(`${label} (${v.label})`, async () => {
        const { cpu, wasm, routes } = await withFma(v, () => onCpuAndWasm(() => filterGrad(c)));
        const route = v.route(c.route);
        expect(routesOf(routes, "Conv2DBackpropFilter"), "its route").toEqual({ [route]: 1 });
        expect(wasm.shape).toEqual(c.filter);
        expectClose(wasm.data, cpu.data, label);
      });
    }
  }

  it("frees every intermediate it makes on the wasm heap", async () => {
    await expectNothingLeftOnWasm(
      () => filterGrad(CASES[4]),
      () => {
        filterGrad(CASES[4]);
        filterGrad(CASES[6]);
        filterGrad(CASES[13]); // Winograd with dy padded to whole tiles
      },
    );
  });
});
