// The tfjs target computes the IR's padding exactly: symmetric padding where TensorFlow's `same`
// would pad 0 before and 1 after, explicit `pad P`, `valid`, max pooling whose padded cells never
// win over negative inputs, and average pooling with and without padded cells in the divisor.
// Checked against hand arithmetic and the plain-loop reference in specs/compiler/reference.ts.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { samePads, uniformPads } from "../../../../compiler/ir/padding.js";
import type { IrGraph, IrNode, IrOp, Pads } from "../../../../compiler/ir/types.js";
import { verify } from "../../../../compiler/ir/verify.js";
import { lower } from "../../../../compiler/targets/tfjs/lower.js";
import * as ref from "../../reference.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

const base = { span: null, group: "conv1", block: null, branch: "main" as const };

/** input -> op -> (global avgpool -> fc, so the graph is complete); the output is the op's. */
function graph(
  op: IrOp,
  input: [number, number, number],
  out: number[],
  kernel?: Float32Array,
): IrGraph {
  const c = out[2]!;
  const nodes = [
    { ...base, op: "input", id: 0, name: "input", inputs: [], shape: input },
    { ...base, ...op, id: 1, name: "win", inputs: [0], shape: out },
    { ...base, op: "globalavg", id: 2, name: "pool", inputs: [1], shape: [c], group: "head" },
    { ...base, op: "fc", units: 2, id: 3, name: "fc", inputs: [2], shape: [2], group: "head" },
  ] as IrNode[];
  const weights = new Map();
  if (kernel && op.op === "conv")
    weights.set("win.kernel", { shape: [...op.kernel, input[2], op.filters], data: kernel });
  const g: IrGraph = {
    name: "t",
    variant: null,
    layout: "NHWC",
    input,
    nodes,
    groups: [],
    logits: 3,
    output: 1,
    weights,
  };
  expect(verify(g)).toEqual([]);
  return g;
}

async function run(g: IrGraph, x: number[]): Promise<number[]> {
  const m = lower(g, { seed: 1 });
  const y = m.predict(tf.tensor(x, [1, ...g.input])) as tf.Tensor;
  return Array.from(await y.data());
}

const iota = (n: number, f = (i: number) => i + 1) => Array.from({ length: n }, (_, i) => f(i));
const conv3 = (pad: Pads): IrOp => ({
  op: "conv",
  kernel: [3, 3],
  filters: 1,
  stride: 2,
  pad,
  bias: false,
});

describe("convolution padding, by hand", () => {
  // 4x4 input 1..16, a 3x3 kernel of ones, stride 2.
  const ones = new Float32Array(9).fill(1);
  it("symmetric (1 on every side, PyTorch/Caffe): windows start at -1", async () => {
    const g = graph(conv3(uniformPads(1)), [4, 4, 1], [2, 2, 1], ones);
    // (0,0): 1+2+5+6; (0,1): 2+3+4+6+7+8; (1,0): 5+6+9+10+13+14; (1,1): 6+7+8+10+11+12+14+15+16
    expect(await run(g, iota(16))).toEqual([14, 30, 57, 99]);
  });
  it("TensorFlow's same (0 before, 1 after) gives other numbers", async () => {
    expect(samePads(4, 4, [3, 3], 2)).toEqual({ top: 0, bottom: 1, left: 0, right: 1 });
    const g = graph(conv3(samePads(4, 4, [3, 3], 2)), [4, 4, 1], [2, 2, 1], ones);
    // (0,0): rows 0-2 x cols 0-2; (0,1): cols 2-3; (1,0): rows 2-3; (1,1): rows 2-3 x cols 2-3
    expect(await run(g, iota(16))).toEqual([
      54,
      3 + 4 + 7 + 8 + 11 + 12,
      9 + 10 + 11 + 13 + 14 + 15,
      11 + 12 + 15 + 16,
    ]);
  });
  it("valid (no padding)", async () => {
    const g = graph(conv3(uniformPads(0)), [4, 4, 1], [1, 1, 1], ones);
    expect(await run(g, iota(16))).toEqual([54]);
  });
  it("asymmetric explicit padding", async () => {
    const pad = { top: 2, bottom: 0, left: 0, right: 1 };
    const g = graph(conv3(pad), [4, 4, 1], [2, 2, 1], ones);
    // rows -2..0 and 0..2, cols 0..2 and 2..4
    expect(await run(g, iota(16))).toEqual([1 + 2 + 3, 3 + 4, 54, 3 + 4 + 7 + 8 + 11 + 12]);
  });
});

describe("a 7x7 stride-2 convolution (ResNet's conv1) against the reference", () => {
  const [h, cin, cout] = [10, 3, 4];
  const input = iota(h * h * cin, (i) => Math.sin(i * 0.37));
  const kernel = Float32Array.from(iota(49 * cin * cout, (i) => Math.cos(i * 0.11) * 0.1));
  const x = ref.map3(h, h, cin, (y, xx, c) => input[(y * h + xx) * cin + c]!);
  for (const [name, pad] of [
    ["symmetric 3", uniformPads(3)],
    ["same", samePads(h, h, [7, 7], 2)],
  ] as const) {
    it(name, async () => {
      const op: IrOp = { op: "conv", kernel: [7, 7], filters: cout, stride: 2, pad, bias: false };
      const got = await run(graph(op, [h, h, cin], [5, 5, cout], kernel), input);
      const want = ref.conv(x, kernel, 7, 7, cout, 2, pad);
      expect(got.length).toBe(want.data.length);
      got.forEach((v, i) => expect(v).toBeCloseTo(want.data[i]!, 4));
    });
  }
  it("the two paddings really differ here", () => {
    const a = ref.conv(x, kernel, 7, 7, cout, 2, uniformPads(3));
    const b = ref.conv(x, kernel, 7, 7, cout, 2, samePads(h, h, [7, 7], 2));
    expect(Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!)))).toBeGreaterThan(0.1);
  });
});

describe("max pooling 3x3 stride 2 with padding 1 (ResNet's stem)", () => {
  it("a padded cell never wins, even over negative inputs", async () => {
    const op: IrOp = { op: "maxpool", pool: [3, 3], stride: 2, pad: uniformPads(1) };
    const g = graph(op, [4, 4, 1], [2, 2, 1]);
    // -(1..16): the window at (0,0) holds -1, -2, -5, -6 and padding: max -1, not 0
    expect(
      await run(
        g,
        iota(16, (i) => -(i + 1)),
      ),
    ).toEqual([-1, -2, -5, -6]);
  });
  it("matches the reference on a random map, odd size, several channels", async () => {
    const [h, c] = [7, 3];
    const input = iota(h * h * c, (i) => Math.sin(i * 1.3) - 0.5);
    const x = ref.map3(h, h, c, (y, xx, ch) => input[(y * h + xx) * c + ch]!);
    const op: IrOp = { op: "maxpool", pool: [3, 3], stride: 2, pad: uniformPads(1) };
    const got = await run(graph(op, [h, h, c], [4, 4, c]), input);
    expect(got).toEqual(Array.from(ref.maxpool(x, 3, 2, uniformPads(1)).data).map(Math.fround));
  });
});

describe("average pooling says whether padded cells count", () => {
  const op = (countPad: boolean, pad: Pads): IrOp => ({
    op: "avgpool",
    pool: [3, 3],
    stride: 2,
    pad,
    countPad,
  });
  it("counted (PyTorch's count_include_pad): the corner divides by 9", async () => {
    const g = graph(op(true, uniformPads(1)), [4, 4, 1], [2, 2, 1]);
    expect(await run(g, iota(16))).toEqual([14 / 9, 30 / 9, 57 / 9, 99 / 9].map(Math.fround));
  });
  it("left out (TensorFlow's same): the corner divides by the real cells", async () => {
    const g = graph(op(false, samePads(4, 4, [3, 3], 2)), [4, 4, 1], [2, 2, 1]);
    expect(await run(g, iota(16))).toEqual([54 / 9, 45 / 6, 72 / 6, 54 / 4].map(Math.fround));
  });
  it("counted with TensorFlow's same amounts (the zeros are real cells then)", async () => {
    const g = graph(op(true, samePads(4, 4, [3, 3], 2)), [4, 4, 1], [2, 2, 1]);
    expect(await run(g, iota(16))).toEqual([54 / 9, 45 / 9, 72 / 9, 54 / 9].map(Math.fround));
  });
});

describe("option A's shortcut from standard layers", () => {
  it("x[::2, ::2] with zero channels appended", async () => {
    const op: IrOp = { op: "shortcutA", stride: 2, padChannels: 2 };
    const g = graph(op, [4, 4, 1], [2, 2, 3]);
    expect(await run(g, iota(16))).toEqual([1, 0, 0, 3, 0, 0, 9, 0, 0, 11, 0, 0]);
  });
});
