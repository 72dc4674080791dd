// A whole small ResNet training step built with tfjs-layers, on wasm with resnetc's kernels,
// against the cpu backend: the loss, every gradient, and the weights (trainable and batch norm's
// moving statistics) after two SGD-momentum steps with weight decay.
//
// The net has what a real ResNet step needs: conv-BN-relu-conv-BN with an option-A shortcut
// (strided slice plus zero channel padding) and add+relu, a plain residual block, a conv with
// bias, max/average/global-average pooling, dense, softmax cross-entropy.

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { expectClose, onCpuAndWasm, randomValues } from "./helpers.js";

type ST = tfl.SymbolicTensor;

class OptionAShortcut extends tfl.layers.Layer {
  static className = "OptionAShortcutSpec";
  constructor(private readonly padChannels: number) {
    super({});
  }
  override computeOutputShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w, c] = shape as tfl.Shape;
    return [
      n,
      Math.ceil((h as number) / 2),
      Math.ceil((w as number) / 2),
      (c as number) + 2 * this.padChannels,
    ];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const [n, h, w, c] = x.shape;
    const sub = tf.stridedSlice(x, [0, 0, 0, 0], [n, h, w, c], [1, 2, 2, 1]);
    return tf.pad(sub, [
      [0, 0],
      [0, 0],
      [0, 0],
      [this.padChannels, this.padChannels],
    ]);
  }
}

function buildNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3] });
  const conv = (f: number, k: number, s: number, bias = false) =>
    tfl.layers.conv2d({ filters: f, kernelSize: k, strides: s, padding: "same", useBias: bias });
  const bn = () => tfl.layers.batchNormalization({ momentum: 0.9 });
  const relu = () => tfl.layers.activation({ activation: "relu" });
  let x = conv(8, 3, 1, true).apply(input) as ST;
  x = relu().apply(bn().apply(x)) as ST;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" }).apply(x) as ST; // 6x6x8
  // Downsampling block with the option-A shortcut.
  let y = relu().apply(bn().apply(conv(16, 3, 2).apply(x))) as ST;
  y = bn().apply(conv(16, 3, 1).apply(y)) as ST;
  const shortcut = new OptionAShortcut(4).apply(x) as ST;
  x = relu().apply(tfl.layers.add().apply([y, shortcut])) as ST; // 3x3x16
  // Identity block.
  y = relu().apply(bn().apply(conv(16, 3, 1).apply(x))) as ST;
  y = bn().apply(conv(16, 3, 1).apply(y)) as ST;
  x = relu().apply(tfl.layers.add().apply([y, x])) as ST;
  x = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: "valid" }).apply(x) as ST;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as ST;
  const logits = tfl.layers.dense({ units: 10 }).apply(x) as ST;
  return tfl.model({ inputs: input, outputs: logits });
}

const BATCH = 4;
const LR = 0.05;
const WEIGHT_DECAY = 5e-4;

interface StepResult {
  losses: number[];
  grads: Float32Array[];
  weightsAfter: Float32Array[];
}

function trainTwoSteps(): StepResult {
  const model = buildNet();
  // The same weights on both backends, from a seed (gamma near 1, variances positive).
  const weights = model.getWeights().map((w, i) => {
    const v = randomValues(w.size, 100 + i, 0.3);
    const name = model.weights[i].name;
    if (name.includes("gamma") || name.includes("moving_variance"))
      v.forEach((a, j) => (v[j] = 1 + a));
    return tf.tensor(v, w.shape);
  });
  model.setWeights(weights);
  weights.forEach((w) => w.dispose());

  const xs = tf.tensor4d(randomValues(BATCH * 12 * 12 * 3, 1), [BATCH, 12, 12, 3]);
  const labels = tf.oneHot(tf.tensor1d([3, 1, 4, 1], "int32"), 10);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.momentum(LR, 0.9);
  const losses: number[] = [];
  let grads: Float32Array[] = [];
  for (let step = 0; step < 2; step++) {
    tf.tidy(() => {
      const { value, grads: g } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(xs, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        vars,
      );
      losses.push(value.dataSync()[0]);
      if (step === 0) grads = vars.map((v) => g[v.name].dataSync() as Float32Array);
      const decayed: tf.NamedTensorMap = {};
      for (const v of vars) decayed[v.name] = tf.add(g[v.name], tf.mul(v, WEIGHT_DECAY));
      optimizer.applyGradients(decayed as Parameters<typeof optimizer.applyGradients>[0]);
    });
  }
  const weightsAfter = model.getWeights().map((w) => w.dataSync() as Float32Array);
  optimizer.dispose();
  tf.dispose([xs, labels]);
  model.dispose();
  return { losses, grads, weightsAfter };
}

describe("a ResNet training step on wasm matches cpu", () => {
  it("loss, every gradient, and the weights after two momentum steps", async () => {
    const { cpu, wasm, routes } = await onCpuAndWasm(trainTwoSteps);
    // Per step: the stem (3 input channels, bias added in the direct loops' stores; its dx on
    // XNNPACK, Ci % 4), the strided conv direct (its dx in phases), the three 3x3 stride-1 convs as
    // Winograd, all with fused multiply-adds; batch norm on the SIMD passes.
    expect(routes.FusedConv2D).toEqual({
      "direct+fma+bias": 2,
      "direct+fma": 2,
      "winograd+fma": 6,
    });
    expect(routes.Conv2DBackpropFilter).toEqual({ "direct+fma": 4, "winograd+fma": 6 });
    expect(routes.Conv2DBackpropInput).toEqual({ xnnpack: 2, "phases+fma": 2, "winograd+fma": 6 });
    expect(routes.FusedBatchNorm).toEqual({ affine: 10 });
    expect(routes.Mean["column sums"]).toBe(20);
    expect(routes.Sum["column sums"]).toBe(56);
    expect(routes.StridedSlice).toEqual({ "run copy": 2 });
    expect(cpu.grads.length).toBe(18); // 5 conv kernels + 1 bias, 5 BN x (gamma, beta), dense x 2
    expect(wasm.losses.length).toBe(2);
    for (let s = 0; s < 2; s++) {
      expect(Math.abs(wasm.losses[s] - cpu.losses[s])).toBeLessThan(
        1e-4 * Math.abs(cpu.losses[s]) + 1e-5,
      );
    }
    // Gradient 1, the stem conv's bias, feeds batch norm and is zero up to rounding (~1e-8).
    cpu.grads.forEach((g, i) => expectClose(wasm.grads[i], g, `gradient ${i}`, 2e-3, 2e-4, 1e-6));
    cpu.weightsAfter.forEach((w, i) =>
      expectClose(wasm.weightsAfter[i], w, `weight ${i}`, 1e-3, 1e-4),
    );
  });
});
