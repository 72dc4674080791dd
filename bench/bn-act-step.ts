// What the fused batch norm kernels (bench/bn-act.ts) give a whole training step: a ResNet-20
// (CIFAR 32x32x3, 3 stages of 3 basic blocks, 16/32/64 filters, option-A shortcuts) written as
// tfjs functions, batch 64, forward + backward (tf.variableGrads) on wasm, with every batch norm
// (+ shortcut add) + ReLU as batchNormAct (the fused kernel) or batchNormActStock (stock ops).
//   node --import tsx bench/bn-act-step.ts [--steps=N]
// Prints ms per step (mean of N after a warm-up, the two variants interleaved) and, from one
// tf.profile each, the kernel ms by kernel name.

import * as tf from "@tensorflow/tfjs-core";
import { batchNormAct, batchNormActStock } from "../compiler/targets/tfjs/fused-ops/batchnorm.js";
import { selectBackend } from "../runtime/backends/index.js";

const args = process.argv.slice(2);
const STEPS = Number(args.find((a) => a.startsWith("--steps="))?.split("=")[1] ?? 5);
const BATCH = 64;

type Bn = typeof batchNormAct;

interface Layer {
  filter: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
}

function layer(ci: number, co: number): Layer {
  const std = Math.sqrt(2 / (9 * ci));
  return {
    filter: tf.variable(tf.randomNormal([3, 3, ci, co], 0, std)),
    gamma: tf.variable(tf.ones([co])),
    beta: tf.variable(tf.zeros([co])),
  };
}

/** The stem, then 9 blocks of two layers; filters 16, 32, 64. */
function resnet20(): { layers: Layer[]; dense: tf.Variable } {
  const layers = [layer(3, 16)];
  let ci = 16;
  for (const co of [16, 32, 64]) {
    for (let b = 0; b < 3; b++) {
      layers.push(layer(ci, co), layer(co, co));
      ci = co;
    }
  }
  return { layers, dense: tf.variable(tf.randomNormal([64, 10], 0, 0.1)) };
}

function conv(x: tf.Tensor4D, l: Layer, stride: number): tf.Tensor4D {
  if (stride === 1) return tf.conv2d(x, l.filter as tf.Tensor4D, 1, "same");
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  return tf.conv2d(padded, l.filter as tf.Tensor4D, stride, "valid");
}

/** x[:, ::2, ::2, :] padded with zero channels up to `co`. */
function shortcut(x: tf.Tensor4D, co: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const sub = tf.stridedSlice(x, [0, 0, 0, 0], [n, h, w, c], [1, 2, 2, 1]) as tf.Tensor4D;
  return tf.pad(sub, [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, co - c],
  ]);
}

function logits(net: ReturnType<typeof resnet20>, x: tf.Tensor4D, bn: Bn): tf.Tensor2D {
  const opts = { epsilon: 1e-3, relu: true };
  const norm = (l: Layer, h: tf.Tensor4D, res: tf.Tensor | null) =>
    bn(h, l.gamma as tf.Tensor1D, l.beta as tf.Tensor1D, res, opts).y as tf.Tensor4D;
  let h = norm(net.layers[0], conv(x, net.layers[0], 1), null);
  for (let i = 1; i < net.layers.length; i += 2) {
    const [a, b] = [net.layers[i], net.layers[i + 1]];
    const co = a.filter.shape[3] as number;
    const stride = co > h.shape[3] ? 2 : 1;
    const mid = norm(a, conv(h, a, stride), null);
    h = norm(b, conv(mid, b, 1), stride === 1 ? h : shortcut(h, co));
  }
  return tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, net.dense);
}

await selectBackend("wasm");
const net = resnet20();
const x = tf.randomNormal([BATCH, 32, 32, 3]) as tf.Tensor4D;
const labels = tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10);
const step = (bn: Bn) =>
  tf.tidy(() => {
    const { value } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, logits(net, x, bn)) as tf.Scalar,
    );
    return value.dataSync()[0];
  });

const variants: [string, Bn][] = [
  ["fused", batchNormAct],
  ["stock", batchNormActStock],
];
const ms = new Map<string, number>(variants.map(([n]) => [n, 0]));
for (const [, bn] of variants) step(bn); // warm-up: XNNPACK operators, heap growth
for (let i = 0; i < STEPS; i++) {
  for (const [name, bn] of variants) {
    const t0 = performance.now();
    step(bn);
    ms.set(name, ms.get(name)! + (performance.now() - t0) / STEPS);
  }
}
console.log(`ResNet-20, batch ${BATCH}, forward + backward on wasm, mean of ${STEPS} steps`);
for (const [name, bn] of variants) {
  const prof = await tf.profile(() => void step(bn));
  const byKernel = new Map<string, [number, number]>();
  for (const k of prof.kernels) {
    if (k.name.endsWith("__op")) continue;
    const [t, n] = byKernel.get(k.name) ?? [0, 0];
    byKernel.set(k.name, [t + (k.kernelTimeMs as number), n + 1]);
  }
  const total = [...byKernel.values()].reduce((s, [t]) => s + t, 0);
  const calls = [...byKernel.values()].reduce((s, [, n]) => s + n, 0);
  console.log(
    `  ${name}: ${ms.get(name)!.toFixed(0)} ms/step; profiled: kernels ${total.toFixed(0)} ms ` +
      `in ${calls} calls`,
  );
  for (const [k, [t, n]] of [...byKernel].sort((a, b) => b[1][0] - a[1][0]).slice(0, 12)) {
    console.log(
      `    ${k.padEnd(26)} ${t.toFixed(1).padStart(7)} ms ${String(n).padStart(4)} calls`,
    );
  }
}
