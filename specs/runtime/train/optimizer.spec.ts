import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { SgdMomentum, isDecayedWeight } from "../../../runtime/train/optimizer.js";
import { useCpu } from "./helpers.js";

beforeAll(useCpu);

function twoVariables() {
  const w = tf.variable(tf.tensor1d([1, -2]), true, "dense/kernel");
  const b = tf.variable(tf.tensor1d([3]), true, "dense/bias");
  return { w, b };
}

const close = (a: ArrayLike<number>, b: number[]) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, 5);
};

describe("SgdMomentum", () => {
  it("decays kernels only", () => {
    expect(isDecayedWeight("conv1/kernel")).toBe(true);
    expect(isDecayedWeight("dw/depthwise_kernel")).toBe(true);
    expect(isDecayedWeight("logits/bias")).toBe(false);
    expect(isDecayedWeight("bn1/gamma")).toBe(false);
    expect(isDecayedWeight("bn1/beta")).toBe(false);
    expect(isDecayedWeight("bn1/moving_mean")).toBe(false);
  });

  it("matches a hand computation: momentum 0.9, weight decay 0.01 on the kernel only, lr set per step", async () => {
    const { w, b } = twoVariables();
    const opt = new SgdMomentum(
      [
        { key: "dense/kernel", variable: w, decay: isDecayedWeight("dense/kernel") },
        { key: "dense/bias", variable: b, decay: isDecayedWeight("dense/bias") },
      ],
      { lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
    );
    const grads = { [w.name]: tf.tensor1d([0.5, 0.5]), [b.name]: tf.tensor1d([1]) };
    const before = tf.memory().numTensors;
    // Step 1 (lr 0.1): d = g + 0.01 w = [0.51, 0.48]; v = d; w = [1, -2] - 0.1 v = [0.949, -2.048].
    //                  bias: d = g = 1; v = 1; b = 3 - 0.1 = 2.9.
    opt.step(grads);
    close(w.dataSync(), [0.949, -2.048]);
    close(b.dataSync(), [2.9]);
    // Step 2 (lr 0.05): d = [0.5 + 0.00949, 0.5 - 0.02048] = [0.50949, 0.47952];
    //   v = 0.9 [0.51, 0.48] + d = [0.96849, 0.91152]; w = [0.949, -2.048] - 0.05 v = [0.9005755, -2.093576].
    //   bias: v = 0.9 + 1 = 1.9; b = 2.9 - 0.05 * 1.9 = 2.805.
    opt.lr = 0.05;
    opt.step(grads);
    close(w.dataSync(), [0.9005755, -2.093576]);
    close(b.dataSync(), [2.805]);
    expect(tf.memory().numTensors).toBe(before);
    const state = await opt.getState();
    expect(state.map((s) => s.name)).toEqual(["dense/kernel", "dense/bias"]);
    close(state[0]!.values, [0.96849, 0.91152]);
    close(state[1]!.values, [1.9]);
    opt.dispose();
    tf.dispose([w, b, ...Object.values(grads)]);
  });

  it("nesterov: w -= lr (d + m v)", () => {
    const w = tf.variable(tf.tensor1d([1]), true, "n/kernel");
    const opt = new SgdMomentum([{ key: "k", variable: w, decay: false }], {
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 0,
      nesterov: true,
    });
    const g = { [w.name]: tf.tensor1d([1]) };
    opt.step(g); // v = 1; w = 1 - 0.1 (1 + 0.9) = 0.81
    close(w.dataSync(), [0.81]);
    opt.step(g); // v = 1.9; w = 0.81 - 0.1 (1 + 1.71) = 0.539
    close(w.dataSync(), [0.539]);
    opt.dispose();
    tf.dispose([w, g[w.name]!]);
  });

  it("exports and imports velocities: a restored optimizer continues identically", async () => {
    const run = async (restoreAfter: number) => {
      const { w, b } = twoVariables();
      const params = (v: { w: tf.Variable; b: tf.Variable }) => [
        { key: "dense/kernel", variable: v.w, decay: true },
        { key: "dense/bias", variable: v.b, decay: false },
      ];
      let opt = new SgdMomentum(params({ w, b }), { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
      const g = { [w.name]: tf.tensor1d([0.3, -0.1]), [b.name]: tf.tensor1d([0.2]) };
      for (let i = 0; i < 3; i++) {
        if (i === restoreAfter) {
          const s = await opt.getState();
          opt.dispose();
          opt = new SgdMomentum(params({ w, b }), { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
          opt.setState(s);
        }
        opt.step(g);
      }
      const out = [...w.dataSync(), ...b.dataSync()];
      opt.dispose();
      tf.dispose([w, b, ...Object.values(g)]);
      return out;
    };
    expect(await run(2)).toEqual(await run(-1));
  });

  it("rejects a velocity of the wrong shape, naming it", () => {
    const { w, b } = twoVariables();
    const opt = new SgdMomentum([{ key: "dense/kernel", variable: w, decay: true }], {
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 0,
    });
    expect(() =>
      opt.setState([{ name: "dense/kernel", shape: [3], values: new Float32Array(3) }]),
    ).toThrow(/"dense\/kernel" has shape \[3\], expected \[2\]/);
    expect(() => opt.setState([])).toThrow(/no velocity for "dense\/kernel"/);
    opt.dispose();
    tf.dispose([w, b]);
  });
});
