// The rank reduction behind resnetc's webgpu PadV2 (tfjs-backend-webgpu cannot compile pads of rank
// 5 and 6): padding a merged view must pad exactly the same elements. Checked on the cpu backend
// against tf.pad for the option-A shortcut's gradient and for seeded random cases.

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../../runtime/backends/index.js";
import { mergePadDims } from "../../../runtime/backends/webgpu-kernels.js";
import { Rng } from "../../../runtime/rng.js";
import { randomValues } from "./helpers.js";

beforeAll(async () => {
  await selectBackend("cpu", { env: {} });
});

function viaMerged(shape: number[], paddings: [number, number][], value: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(randomValues(tf.util.sizeFromShape(shape), 3), shape);
    const m = mergePadDims(shape, paddings);
    const out = shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const merged = tf.reshape(tf.pad(tf.reshape(x, m.shape), m.paddings, value), out);
    const direct = tf.pad(x, paddings, value);
    expect(merged.shape).toEqual(direct.shape);
    const a = merged.dataSync() as Float32Array;
    expect(Array.from(a)).toEqual(Array.from(direct.dataSync()));
    return a;
  });
}

describe("mergePadDims", () => {
  it("turns the option-A shortcut's 6-D gradient pad into a 3-D one", () => {
    const paddings: [number, number][] = [
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 1],
      [0, 0],
    ];
    expect(mergePadDims([4, 8, 1, 8, 1, 16], paddings)).toEqual({
      shape: [32, 8, 16],
      paddings: [
        [0, 0],
        [0, 8],
        [0, 16],
      ],
    });
    viaMerged([2, 3, 1, 3, 1, 4], paddings, 0);
  });

  it("leaves dimensions alone when each is padded, and merges all when none is", () => {
    expect(
      mergePadDims(
        [2, 3, 4],
        [
          [1, 0],
          [0, 2],
          [1, 1],
        ],
      ).shape,
    ).toEqual([2, 3, 4]);
    expect(
      mergePadDims(
        [2, 3, 4, 5, 6],
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      ),
    ).toEqual({
      shape: [720],
      paddings: [[0, 0]],
    });
  });

  it("pads the same elements as tf.pad, with a constant, for random ranks 5 and 6", () => {
    const rng = new Rng(11);
    const int = (n: number) => Math.floor(rng.next() * n);
    for (let trial = 0; trial < 40; trial++) {
      const rank = 5 + int(2);
      const shape = Array.from({ length: rank }, () => 1 + int(3));
      const paddings = shape.map((): [number, number] =>
        rng.next() < 0.5 ? [0, 0] : [int(3), int(3)],
      );
      viaMerged(shape, paddings, trial % 2 === 0 ? 0 : 1.5);
    }
  });
});
