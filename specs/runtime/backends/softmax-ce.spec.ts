// The fused training loss (runtime/kernels/wasm/softmax_ce.ts, through trainingLoss in
// runtime/train/loss.ts): on cpu and wasm its loss, its gradient with respect to the logits and
// its error count agree with the op path (softmaxCrossEntropy, countTopKErrors) on cpu, within
// 1e-6 relative, for ordinary, large (1e3: the max is subtracted) and tied logits; and it takes 2
// kernel calls where the op path takes 32.

import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { SOFTMAX_CE_KERNEL } from "../../../runtime/kernels/wasm/softmax_ce.js";
import { countTopKErrors, softmaxCrossEntropy, trainingLoss } from "../../../runtime/train/loss.js";
import { expectClose, initBackends, onCpuAndWasm, randomValues, routesOf } from "./helpers.js";

const N = 6;
const K = 5;
const LABELS = [0, 4, 2, 2, 1, 3];

const CASES: [string, Float32Array][] = [
  ["ordinary logits", randomValues(N * K, 3, 4)],
  ["large logits", randomValues(N * K, 4, 1000)],
  [
    "ties (the first maximum is the prediction)",
    Float32Array.from({ length: N * K }, (_, i) => (i % 3) - 1),
  ],
];

type Out = { loss: number; grad: number[]; errors: number };

/** Loss, d(3 * loss)/d logits and errors through `f`. */
function run(logits: Float32Array, fused: boolean): Out {
  return tf.tidy(() => {
    const x = tf.tensor2d(logits, [N, K]);
    const y = tf.tensor1d(LABELS, "int32");
    let errors: tf.Scalar | null = null;
    const lossOf = (t: tf.Tensor) => {
      if (!fused) return softmaxCrossEntropy(t, y);
      const r = trainingLoss(t, y);
      errors = r.errors;
      return r.loss;
    };
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.mul(lossOf(t), 3) as tf.Scalar)(x);
    const out = {
      loss: value.dataSync()[0]! / 3,
      grad: Array.from(grad.dataSync()),
      errors: errors === null ? -1 : (errors as tf.Scalar).dataSync()[0]!,
    };
    if (errors !== null) (errors as tf.Scalar).dispose();
    return out;
  });
}

describe("fused softmax cross-entropy", () => {
  for (const [label, logits] of CASES) {
    it(`${label}: loss, gradient and errors equal the op path's`, async () => {
      await initBackends();
      const reference = run(logits, false);
      const refErrors = await countTopKErrors(
        tf.tensor2d(logits, [N, K]),
        tf.tensor1d(LABELS, "int32"),
        1,
      );
      const { cpu, wasm, routes } = await onCpuAndWasm(() => run(logits, true));
      expect(routesOf(routes, SOFTMAX_CE_KERNEL)).toEqual({ js: 1 });
      expect(routesOf(routes, `${SOFTMAX_CE_KERNEL}Grad`)).toEqual({ js: 1 });
      for (const r of [cpu, wasm]) {
        expect(Math.abs(r.loss - reference.loss)).toBeLessThanOrEqual(
          1e-6 * Math.abs(reference.loss),
        );
        expectClose(r.grad, reference.grad, `${label} gradient`, 1e-6, 1e-6);
        expect(r.errors).toBe(refErrors);
      }
      expect(reference.grad.some((g) => g !== 0)).toBe(true);
    });
  }

  it("takes 2 kernel calls for loss, errors and gradient, where the op path takes 32", async () => {
    await initBackends();
    const count = async (fused: boolean) => {
      const l = tf.variable(tf.tensor2d(CASES[0]![1], [N, K]));
      const y = tf.tensor1d(LABELS, "int32");
      const p = await tf.profile(async () => {
        let errors: tf.Scalar | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const r = fused ? trainingLoss(l, y) : { loss: softmaxCrossEntropy(l, y), errors: null };
          errors = r.errors;
          return r.loss;
        }, [l]);
        if (!fused) await countTopKErrors(l, y, 1);
        tf.dispose([value, grads, y]);
        (errors as tf.Scalar | null)?.dispose();
      });
      l.dispose();
      return p.kernels.filter((k) => !k.name.endsWith("__op")).length;
    };
    expect(await count(true)).toBe(2);
    expect(await count(false)).toBe(32);
  });
});
