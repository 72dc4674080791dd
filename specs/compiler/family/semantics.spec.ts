// What the family's constructs compute, on small tensors checked by hand (plain arithmetic below,
// not tfjs): grouped and dilated convolution shapes and padding, squeeze-and-excitation, the
// option-D shortcut, dropout and stochastic depth in training and in evaluation.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../../compiler/ir/analysis.js";
import type { IrGraph, IrNode } from "../../../compiler/ir/types.js";
import { lower } from "../../../compiler/targets/tfjs/lower.js";
import { expectClean, src } from "../diagnostics/helpers.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

function graph(...lines: string[]): IrGraph {
  return expectClean(src(...lines)).graphs[0]!;
}

const node = (g: IrGraph, name: string): IrNode => {
  const n = g.nodes.find((m) => m.name === name);
  if (!n) throw new Error(`no node ${name}: ${g.nodes.map((m) => m.name).join(", ")}`);
  return n;
};

/** The output of one layer of the lowered model for input x (training or evaluation mode). */
function layerOutput(m: tfl.LayersModel, name: string, x: tf.Tensor, training = false): number[] {
  const sub = tfl.model({
    inputs: m.inputs,
    outputs: m.getLayer(name).output as tfl.SymbolicTensor,
  });
  return tf.tidy(() => Array.from((sub.apply(x, { training }) as tf.Tensor).dataSync()));
}

const close = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
};

describe("grouped convolution", () => {
  const g = graph(
    "model m {",
    "  input 8x8x64",
    "  stem { conv 3x3, 128, groups 32, stride 2 }",
    "  stage s: basic(128) x 1",
    "  head { global avgpool; fc 10 }",
    "}",
  );

  it("has in/G x out kernel taps: 3*3*(64/32)*128 weights, same padding as a plain conv", () => {
    const c = node(g, "conv1_conv1");
    expect(c).toMatchObject({ op: "conv", groups: 32, shape: [4, 4, 128] });
    expect(analyze(g).nodes[c.id]).toMatchObject({ params: 9 * 2 * 128, madds: 16 * 9 * 2 * 128 });
    expect(c.op === "conv" && c.pad).toEqual({ top: 1, bottom: 1, left: 1, right: 1 });
  });

  it("groups see only their own channels: a 1x1, groups 2 conv on one pixel", () => {
    const g2 = graph(
      "model m {",
      "  input 1x1x4",
      "  stem { conv 1x1, 4, groups 2, bn none, relu none }",
      "  stage s: basic(4) x 1",
      "  head { global avgpool; fc 2 }",
      "}",
    );
    // Kernel [1, 1, 2, 4]: row = input channel within its group, column = output channel.
    const k = [1, 2, 10, 20, 3, 4, 30, 40];
    g2.weights.set("conv1_conv1.kernel", { shape: [1, 1, 2, 4], data: Float32Array.from(k) });
    const m = lower(g2);
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]);
    // Group 0 (inputs 1, 2) makes outputs 0, 1; group 1 (inputs 3, 4) makes outputs 2, 3.
    const want = [1 * 1 + 2 * 3, 1 * 2 + 2 * 4, 3 * 10 + 4 * 30, 3 * 20 + 4 * 40];
    close(layerOutput(m, "conv1_conv1", x), want);
  });
});

describe("dilated convolution", () => {
  it("pads (K-1)/2*D by default, keeping the size; `pad valid` loses (K-1)*D", () => {
    const g = graph(
      "model m {",
      "  input 9x9x3",
      "  stem { conv 3x3, 8, dilation 2; conv 3x3, 8, dilation 3, pad valid }",
      "  stage s: basic(8) x 1",
      "  head { global avgpool; fc 2 }",
      "}",
    );
    const a = node(g, "conv1_conv1");
    const b = node(g, "conv1_conv2");
    expect(a.shape).toEqual([9, 9, 8]);
    expect(a.op === "conv" && a.pad).toEqual({ top: 2, bottom: 2, left: 2, right: 2 });
    expect(b.shape).toEqual([3, 3, 8]);
    expect(analyze(g).nodes[a.id]!.params).toBe(9 * 3 * 8);
  });

  it("takes taps D apart: a 3x3, dilation 2 sum kernel at the centre of a 5x5 ramp", () => {
    const g = graph(
      "model m {",
      "  input 5x5x1",
      "  stem { conv 3x3, 1, dilation 2, bn none, relu none }",
      "  stage s: basic(1) x 1",
      "  head { global avgpool; fc 2 }",
      "}",
    );
    g.weights.set("conv1_conv1.kernel", { shape: [3, 3, 1, 1], data: new Float32Array(9).fill(1) });
    const m = lower(g);
    const x = tf.tensor4d(
      Array.from({ length: 25 }, (_, i) => i),
      [1, 5, 5, 1],
    );
    const y = layerOutput(m, "conv1_conv1", x);
    // Centre (2, 2): rows 0, 2, 4 x columns 0, 2, 4 of the ramp i = 5r + c.
    expect(y[12]).toBe(
      [0, 2, 4].flatMap((r) => [0, 2, 4].map((c) => 5 * r + c)).reduce((s, v) => s + v),
    );
    // Corner (0, 0): only rows/columns 0, 2 fall inside.
    expect(y[0]).toBe(0 + 2 + 10 + 12);
  });
});

describe("squeeze-and-excitation", () => {
  const g = graph(
    "block s(c) {",
    "  se 2",
    "  post none",
    "}",
    "model m {",
    "  input 1x2x4",
    "  shortcut none",
    "  stage conv2: s(4) x 1",
    "  head { global avgpool; fc 2 }",
    "}",
  );

  it("has C*C/R*2 weights and C/R + C biases, and no depth", () => {
    const se = node(g, "conv2_1_se");
    expect(se).toMatchObject({ op: "se", hidden: 2, shape: [1, 2, 4] });
    expect(analyze(g).nodes[se.id]).toMatchObject({
      params: 4 * 2 + 2 + 2 * 4 + 4,
      weighted: false,
    });
  });

  it("scales each channel by sigmoid(fc2(relu(fc1(mean))))", () => {
    const w1 = [1, -1, 0.5, 0, 0, 2, -1, 1]; // [4, 2]
    const b1 = [0.1, -0.2];
    const w2 = [1, 0, -1, 2, 0.5, 1, 0, -1]; // [2, 4]
    const b2 = [0, 0.5, -0.5, 1];
    const put = (slot: string, shape: number[], v: number[]) =>
      g.weights.set(`conv2_1_se.${slot}`, { shape, data: Float32Array.from(v) });
    put("fc1_kernel", [4, 2], w1);
    put("fc1_bias", [2], b1);
    put("fc2_kernel", [2, 4], w2);
    put("fc2_bias", [4], b2);
    const x = [1, 2, 3, 4, 3, -2, 1, 0]; // two pixels of 4 channels
    const mean = [0, 1, 2, 3].map((c) => (x[c]! + x[4 + c]!) / 2);
    const h = [0, 1].map((j) =>
      Math.max(0, b1[j]! + mean.reduce((s, m, c) => s + m * w1[2 * c + j]!, 0)),
    );
    const s = [0, 1, 2, 3].map(
      (c) => 1 / (1 + Math.exp(-(b2[c]! + h.reduce((t, v, j) => t + v * w2[4 * j + c]!, 0)))),
    );
    const m = lower(g);
    const y = layerOutput(m, "conv2_1_se", tf.tensor4d(x, [1, 1, 2, 4]));
    close(
      y,
      x.map((v, i) => v * s[i % 4]!),
    );
  });
});

describe("option D shortcut (ResNet-D)", () => {
  const g = graph(
    "model m {",
    "  input 4x4x1",
    "  shortcut D",
    "  stages conv2..conv3 basic x [1, 1] widths [1, 2]",
    "  head { global avgpool; fc 2 }",
    "}",
  );

  it("is identity where the shape stays, and 2x2 avgpool /2 then a stride-1 1x1 + BN where it changes", () => {
    const sc = (b: string) => g.nodes.filter((n) => n.block === b && n.branch === "shortcut");
    expect(sc("conv2_1")).toEqual([]);
    expect(sc("conv3_1").map((n) => [n.op, n.shape])).toEqual([
      ["avgpool", [2, 2, 1]],
      ["conv", [2, 2, 2]],
      ["bn", [2, 2, 2]],
    ]);
    const [pool, conv] = sc("conv3_1");
    expect(pool).toMatchObject({ pool: [2, 2], stride: 2, countPad: false });
    expect(conv).toMatchObject({ kernel: [1, 1], stride: 1 });
  });

  it("averages each 2x2 window", () => {
    const m = lower(g);
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    // conv2_1 is an identity block, so the pool sees its output; read the pool of the raw input
    // through a model of the pool layer alone.
    const pool = m.getLayer("conv3_1_proj_pool");
    const y = tf.tidy(() => Array.from((pool.apply(x) as tf.Tensor).dataSync()));
    expect(y).toEqual([2.5, 4.5, 10.5, 12.5]);
  });
});

describe("dropout and drop_path", () => {
  const g = graph(
    "block d(c) {",
    "  conv 1x1, c, bn none, relu none",
    "  dropout 0.5",
    "  post none",
    "}",
    "model m {",
    "  input 4x4x8",
    "  drop_path 0.25",
    "  stage conv2: d(8) x 1",
    "  head { global avgpool; fc 2 }",
    "}",
  );
  const ones = (n: number) => Array.from({ length: n }, (_, i) => (i % 7) + 1);

  it("puts dropout where written and drop_path after the branch, before the addition", () => {
    expect(g.nodes.map((n) => n.op)).toEqual([
      "input",
      "conv",
      "dropout",
      "droppath",
      "add",
      "globalavg",
      "fc",
    ]);
    expect(node(g, "conv2_1_drop_path")).toMatchObject({ rate: 0.25 });
  });

  it("evaluation: dropout is the identity, drop_path scales the branch by 1 - P", () => {
    const m = lower(g, { seed: 3 });
    const x = tf.tensor4d(ones(4 * 4 * 4 * 8), [4, 4, 4, 8]);
    const branch = layerOutput(m, "conv2_1_conv1", x);
    close(layerOutput(m, "conv2_1_dropout", x), branch);
    close(
      layerOutput(m, "conv2_1_drop_path", x),
      branch.map((v) => 0.75 * v),
    );
  });

  it("training: dropout zeroes values and scales the rest by 1/(1-P); drop_path keeps or zeroes whole examples", () => {
    const m = lower(g, { seed: 3 });
    const x = tf.tensor4d(ones(16 * 4 * 4 * 8), [16, 4, 4, 8]);
    const sub = tfl.model({
      inputs: m.inputs,
      outputs: ["conv2_1_conv1", "conv2_1_dropout", "conv2_1_drop_path"].map(
        (n) => m.getLayer(n).output as tfl.SymbolicTensor,
      ),
    });
    const [branch, dropped, path] = tf.tidy(() =>
      (sub.apply(x, { training: true }) as tf.Tensor[]).map((t) => Array.from(t.dataSync())),
    );
    const per = 4 * 4 * 8;
    let zeroes = 0;
    dropped!.forEach((v, i) => {
      if (v === 0) zeroes++;
      else expect(v).toBeCloseTo(2 * branch![i]!, 4);
    });
    expect(zeroes).toBeGreaterThan(0.3 * dropped!.length);
    expect(zeroes).toBeLessThan(0.7 * dropped!.length);
    const kept = [];
    for (let e = 0; e < 16; e++) {
      const mine = path!.slice(e * per, (e + 1) * per);
      const src = dropped!.slice(e * per, (e + 1) * per);
      const allZero = mine.every((v) => v === 0);
      if (!allZero) mine.forEach((v, i) => expect(v).toBeCloseTo(src[i]!, 4));
      kept.push(!allZero);
    }
    expect(kept.filter(Boolean).length).toBeGreaterThan(4);
    expect(kept.filter(Boolean).length).toBeLessThan(16);
  });

  it("`drop_path P, linear` rises to P over the blocks (Huang et al.); a stage's own value wins", () => {
    const lin = graph(
      "model m {",
      "  input 8x8x3",
      "  drop_path 0.4, linear",
      "  stem { conv 3x3, 8 }",
      "  stages conv2..conv3 basic x [2, 2] widths [8, 16]",
      "  head { global avgpool; fc 2 }",
      "}",
    );
    expect(
      lin.nodes.filter((n) => n.op === "droppath").map((n) => n.op === "droppath" && n.rate),
    ).toEqual([0.1, 0.2, 0.30000000000000004, 0.4]);
    const own = graph(
      "model m {",
      "  input 8x8x3",
      "  drop_path 0.2",
      "  stem { conv 3x3, 8 }",
      "  stage conv2: basic(8) x 2, drop_path 0.05",
      "  stage conv3: basic(16) x 1, stride 2",
      "  head { global avgpool; fc 2 }",
      "}",
    );
    expect(
      own.nodes
        .filter((n) => n.op === "droppath")
        .map((n) => [n.block, n.op === "droppath" && n.rate]),
    ).toEqual([
      ["conv2_1", 0.05],
      ["conv2_2", 0.05],
      ["conv3_1", 0.2],
    ]);
  });
});

describe("floor() in expressions", () => {
  it("gives ResNeXt's width rule: floor(c * base_width / 64) * groups", () => {
    const g = graph(
      "block b(c, stride = 1, groups = 3, base_width = 10) {",
      "  conv 1x1, floor(c * base_width / 64) * groups, stride stride",
      "}",
      "model m {",
      "  input 4x4x3",
      "  shortcut none",
      "  stage conv2: b(100) x 1",
      "  head { global avgpool; fc 2 }",
      "}",
    );
    // 100 * 10 / 64 = 15.6 -> 15, times 3.
    expect(node(g, "conv2_1_conv1").shape).toEqual([4, 4, 45]);
  });
});
