import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import type { Batch } from "../../../runtime/data/types.js";
import { Rng } from "../../../runtime/rng.js";
import { evaluate, predict } from "../../../runtime/train/evaluate.js";
import { countTopKErrors, softmaxCrossEntropy } from "../../../runtime/train/loss.js";
import { memoryData, tinyNet, useCpu } from "./helpers.js";

beforeAll(useCpu);

async function allOf(
  it: AsyncIterable<Batch>,
): Promise<{ x: Float32Array; y: Int32Array; n: number }> {
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  for await (const b of it) {
    xs.push(b.x.slice(0, b.n * 192));
    ys.push(...b.y.subarray(0, b.n));
  }
  const x = new Float32Array(xs.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of xs) {
    x.set(p, o);
    o += p.length;
  }
  return { x, y: Int32Array.from(ys), n: ys.length };
}

describe("loss and errors", () => {
  it("softmax cross-entropy is stable for huge logits and matches the formula", async () => {
    const logits = tf.tensor2d([
      [1000, 0, -1000],
      [1, 2, 3],
    ]);
    const y = tf.tensor1d([0, 0], "int32");
    const l = softmaxCrossEntropy(logits, y);
    const row2 = -(1 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
    expect(l.dataSync()[0]).toBeCloseTo((0 + row2) / 2, 5);
    expect(await countTopKErrors(logits, y, 1)).toBe(1);
    expect(await countTopKErrors(logits, y, 2)).toBe(1);
    expect(await countTopKErrors(logits, y, 3)).toBe(0);
    tf.dispose([logits, y, l]);
  });
});

describe("evaluate and predict", () => {
  it("evaluate matches a direct computation, top-5 with >= 5 classes, in inference mode", async () => {
    const data = memoryData({ classes: 6, n: 12, testN: 30 });
    const model = tinyNet({ classes: 6, seed: 4 });
    const before = tf.memory().numTensors;
    const res = await evaluate(model, data.test, { batchSize: 7, mean: null });
    expect(tf.memory().numTensors).toBe(before);
    const all = await allOf(
      data.test.batches({
        batchSize: 100,
        shuffle: false,
        augment: null,
        rng: new Rng(0),
        mean: null,
      }),
    );
    const probs = model.predict(tf.tensor4d(all.x, [all.n, 8, 8, 3])) as tf.Tensor2D;
    const y = tf.tensor1d(all.y, "int32");
    const loss = tf.tidy(
      () => -tf.mean(tf.sum(tf.mul(tf.oneHot(y, 6), tf.log(probs)), -1)).dataSync()[0]!,
    );
    const top1 = await countTopKErrors(probs, y, 1);
    const top5 = await countTopKErrors(probs, y, 5);
    tf.dispose([probs, y]);
    expect(res.n).toBe(30);
    expect(res.loss).toBeCloseTo(loss, 4);
    expect(res.top1Error).toBeCloseTo(top1 / 30, 10);
    expect(res.top5Error).toBeCloseTo(top5 / 30, 10);
    expect(res.top5Error!).toBeLessThanOrEqual(res.top1Error);
  });

  it("top-5 error is null with fewer than 5 classes", async () => {
    const data = memoryData({ classes: 4 });
    const res = await evaluate(tinyNet({ classes: 4 }), data.test, { batchSize: 8, mean: null });
    expect(res.top5Error).toBeNull();
  });

  it("predict subtracts the mean and returns the probabilities and the top classes", async () => {
    const model = tinyNet({ classes: 6, seed: 8 });
    const r = new Rng(1);
    const raw = Float32Array.from({ length: 3 * 192 }, () => r.next());
    const mean = Float32Array.from({ length: 192 }, () => r.next() * 0.1);
    const centred = raw.map((v, i) => v - mean[i % 192]!);
    const expected = tf.tidy(() =>
      (model.predict(tf.tensor4d(centred, [3, 8, 8, 3])) as tf.Tensor).arraySync(),
    ) as number[][];
    const got = await predict(model, raw, { mean, batchSize: 2, topK: 3 });
    expect(got).toHaveLength(3);
    got.forEach((p, i) => {
      Array.from(p.probabilities).forEach((v, k) => expect(v).toBeCloseTo(expected[i]![k]!, 6));
      const best = expected[i]!.indexOf(Math.max(...expected[i]!));
      expect(p.label).toBe(best);
      expect(p.top.map((t) => t.label)[0]).toBe(best);
      expect(p.top).toHaveLength(3);
      expect(p.top[0]!.probability).toBeGreaterThanOrEqual(p.top[1]!.probability);
    });
    await expect(predict(model, new Float32Array(10))).rejects.toThrow(
      /not a whole number of \[8, 8, 3\] images/,
    );
  });
});
