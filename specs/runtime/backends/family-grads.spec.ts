// Gradients of the family's convolutions on cpu and wasm against a direct float64 reference: the
// dilated Conv2D gradient resnetc registers (tfjs has none; runtime/kernels/dilated_conv_grad.ts)
// and the grouped convolution (compiler/targets/tfjs/grouped-conv.ts, tfjs' own split/conv/concat
// gradients). The loss is sum(y * r), so dL/dy = r.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { GroupedConv2D, groupedConv2d } from "../../../compiler/targets/tfjs/grouped-conv.js";
import { registerTrainingGradients } from "../../../runtime/kernels/gradients.js";
import { expectClose, initBackends, onCpuAndWasm, randomValues, size } from "./helpers.js";

beforeAll(async () => {
  await initBackends();
  registerTrainingGradients();
});

type Shape4 = [number, number, number, number];

interface Geometry {
  x: Shape4;
  w: Shape4; // [kh, kw, cin / groups, cout]
  groups: number;
  d: number;
  pads: [number, number, number, number]; // top, bottom, left, right
}

function outSize(g: Geometry): [number, number] {
  const [, h, w] = g.x;
  const eh = (g.w[0] - 1) * g.d + 1;
  const ew = (g.w[1] - 1) * g.d + 1;
  return [h + g.pads[0] + g.pads[1] - eh + 1, w + g.pads[2] + g.pads[3] - ew + 1];
}

/** y, dL/dx and dL/dw of a stride-1 grouped, dilated convolution by its definition (float64). */
function reference(g: Geometry, x: Float32Array, w: Float32Array, r: Float32Array) {
  const [b, h, wd, cin] = g.x;
  const [kh, kw, cg, cout] = g.w;
  const og = cout / g.groups;
  const [ho, wo] = outSize(g);
  const y = new Float64Array(b * ho * wo * cout);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let o = 0; o < cout; o++) {
          const grp = Math.floor(o / og);
          const yi = ((n * ho + i) * wo + j) * cout + o;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const u = i + p * g.d - g.pads[0];
              const v = j + q * g.d - g.pads[2];
              if (u < 0 || u >= h || v < 0 || v >= wd) continue;
              for (let c = 0; c < cg; c++) {
                const xi = ((n * h + u) * wd + v) * cin + grp * cg + c;
                const wi = ((p * kw + q) * cg + c) * cout + o;
                y[yi] += x[xi] * w[wi];
                dx[xi] += r[yi] * w[wi];
                dw[wi] += r[yi] * x[xi];
              }
            }
        }
  return { y, dx, dw };
}

function data(g: Geometry, seed: number) {
  const [ho, wo] = outSize(g);
  return {
    x: randomValues(size(g.x), seed),
    w: randomValues(size(g.w), seed + 1),
    r: randomValues(g.x[0] * ho * wo * g.w[3], seed + 2),
  };
}

const DILATED: [string, Geometry, tf.Conv2DAttrs["pad"]][] = [
  [
    "3x3 d2 same",
    { x: [2, 7, 7, 3], w: [3, 3, 3, 4], groups: 1, d: 2, pads: [2, 2, 2, 2] },
    "same",
  ],
  [
    "3x3 d2 valid",
    { x: [2, 9, 8, 3], w: [3, 3, 3, 5], groups: 1, d: 2, pads: [0, 0, 0, 0] },
    "valid",
  ],
  ["3x3 d3 pad 1", { x: [1, 8, 8, 2], w: [3, 3, 2, 3], groups: 1, d: 3, pads: [1, 1, 1, 1] }, 1],
  [
    "2x2 d2 same (odd padding)",
    { x: [2, 6, 6, 2], w: [2, 2, 2, 3], groups: 1, d: 2, pads: [1, 1, 1, 1] },
    "same",
  ],
];

describe("dilated Conv2D gradient (resnetc's) on cpu and wasm", () => {
  it.each(DILATED)("%s", async (_, g, pad) => {
    const { x, w, r } = data(g, 11);
    const ref = reference(g, x, w, r);
    const got = await onCpuAndWasm(() =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, g.x);
        const wt = tf.tensor4d(w, g.w);
        const rt = tf.tensor(r, [g.x[0], ...outSize(g), g.w[3]]);
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, "NHWC", g.d), rt));
        const y = tf.conv2d(xt, wt, 1, pad, "NHWC", g.d);
        const [dx, dw] = tf.grads(f)([xt, wt]);
        return { y: y.dataSync(), dx: dx!.dataSync(), dw: dw!.dataSync() };
      }),
    );
    for (const be of ["cpu", "wasm"] as const) {
      expectClose(got[be].y, ref.y, `${be} y`);
      expectClose(got[be].dx, ref.dx, `${be} dx`);
      expectClose(got[be].dw, ref.dw, `${be} dw`);
    }
  });

  it("leaves undilated convolutions to tfjs' own gradient (same values as before)", async () => {
    const g: Geometry = { x: [2, 6, 6, 3], w: [3, 3, 3, 4], groups: 1, d: 1, pads: [1, 1, 1, 1] };
    const { x, w, r } = data(g, 5);
    const ref = reference(g, x, w, r);
    const { cpu } = await onCpuAndWasm(() =>
      tf.tidy(() => {
        const rt = tf.tensor(r, [2, 6, 6, 4]);
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"), rt));
        const [dx, dw] = tf.grads(f)([tf.tensor4d(x, g.x), tf.tensor4d(w, g.w)]);
        return { dx: dx!.dataSync(), dw: dw!.dataSync() };
      }),
    );
    expectClose(cpu.dx, ref.dx, "dx");
    expectClose(cpu.dw, ref.dw, "dw");
  });
});

const GROUPED: [string, Geometry][] = [
  [
    "3x3, 8 -> 8, groups 4",
    { x: [2, 5, 5, 8], w: [3, 3, 2, 8], groups: 4, d: 1, pads: [1, 1, 1, 1] },
  ],
  [
    "1x1, 6 -> 9, groups 3",
    { x: [2, 4, 4, 6], w: [1, 1, 2, 9], groups: 3, d: 1, pads: [0, 0, 0, 0] },
  ],
  [
    "3x3 d2, 4 -> 4, groups 2",
    { x: [1, 6, 6, 4], w: [3, 3, 2, 4], groups: 2, d: 2, pads: [2, 2, 2, 2] },
  ],
];

describe("grouped convolution layer: forward and gradients on cpu and wasm", () => {
  it.each(GROUPED)("%s", async (_, g) => {
    const { x, w, r } = data(g, 21);
    const ref = reference(g, x, w, r);
    const pad = g.pads[0] > 0 ? "same" : "valid";
    const got = await onCpuAndWasm(() => {
      const layer = new GroupedConv2D({
        filters: g.w[3],
        kernelSize: [g.w[0], g.w[1]],
        strides: 1,
        padding: pad,
        dilationRate: g.d,
        groups: g.groups,
        useBias: false,
      });
      return tf.tidy(() => {
        const xt = tf.tensor4d(x, g.x);
        const wt = tf.tensor4d(w, g.w);
        const y = layer.apply(tfl.input({ shape: g.x.slice(1) })) as tfl.SymbolicTensor;
        const model = tfl.model({
          inputs: y.sourceLayer.inboundNodes[0]!.inputTensors,
          outputs: y,
        });
        layer.setWeights([wt]);
        const forward = (model.predict(xt) as tf.Tensor).dataSync();
        const rt = tf.tensor(r, [g.x[0], ...outSize(g), g.w[3]]);
        const f = (a: tf.Tensor, k: tf.Tensor) =>
          tf.sum(
            tf.mul(groupedConv2d(a as tf.Tensor4D, k as tf.Tensor4D, g.groups, 1, pad, g.d), rt),
          );
        const [dx, dw] = tf.grads(f)([xt, wt]);
        return { y: forward, dx: dx!.dataSync(), dw: dw!.dataSync() };
      });
    });
    for (const be of ["cpu", "wasm"] as const) {
      expect(got[be].y.length).toBe(ref.y.length);
      expectClose(got[be].y, ref.y, `${be} y`);
      expectClose(got[be].dx, ref.dx, `${be} dx`);
      expectClose(got[be].dw, ref.dw, `${be} dw`);
    }
  });

  it("serialises under its registered name and comes back with the same config", () => {
    const layer = new GroupedConv2D({
      name: "g",
      filters: 8,
      kernelSize: [3, 3],
      strides: 2,
      padding: "same",
      groups: 4,
      useBias: true,
    });
    const config = layer.getConfig();
    expect(GroupedConv2D.className).toBe("ResnetcGroupedConv2D");
    const back = tf.serialization.SerializationMap.getMap().classNameMap[
      "ResnetcGroupedConv2D"
    ]![1](GroupedConv2D, config) as tfl.layers.Layer;
    expect(back.getConfig()).toEqual(config);
  });
});
