// The fused batch norm (+ residual add) + ReLU kernels on wasm (ResnetcBatchNormAct and its
// gradient, runtime/kernels/wasm/batchnorm_act.ts) against the stock-op composite they replace
// (tf.moments, tf.batchNorm, tf.add, tf.relu and their autodiff; fused-ops/batchnorm.ts), forward
// plus backward, at ResNet-20's batch-64 activation shapes.
//   node --import tsx bench/bn-act.ts [--reps=N]
// Prints per shape and pattern: ms per forward+backward (wall, mean of N after a warm-up), the
// kernels' own ms and number of kernel calls (tf.profile of one call, the least of 3).

import * as tf from "@tensorflow/tfjs-core";
import {
  batchNormAct,
  batchNormActStock,
  type BatchNormActResult,
} from "../compiler/targets/tfjs/fused-ops/batchnorm.js";
import { selectBackend } from "../runtime/backends/index.js";

const args = process.argv.slice(2);
const REPS = Number(args.find((a) => a.startsWith("--reps="))?.split("=")[1] ?? 20);
const SHAPES = [
  [64, 32, 32, 16],
  [64, 16, 16, 32],
  [64, 8, 8, 64],
];

type Op = typeof batchNormAct;

/** One forward and backward of `op` (dy given); wasm runs kernels synchronously. */
function step(op: Op, inputs: tf.Tensor[], dy: tf.Tensor): void {
  tf.tidy(() => {
    const f = (...xs: tf.Tensor[]) => {
      const r: BatchNormActResult = op(
        xs[0],
        xs[1] as tf.Tensor1D,
        xs[2] as tf.Tensor1D,
        xs[3] ?? null,
        { epsilon: 1e-3, relu: true },
      );
      return r.y;
    };
    tf.grads(f)(inputs, dy);
  });
}

async function measure(op: Op, inputs: tf.Tensor[], dy: tf.Tensor) {
  step(op, inputs, dy); // warm-up: heap growth
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) step(op, inputs, dy);
  const ms = (performance.now() - t0) / REPS;
  // The least of 3 profiles: one profile's kernel times catch the odd GC pause.
  let kernels: { name: string }[] = [];
  let kernelMs = Infinity;
  for (let i = 0; i < 3; i++) {
    const prof = await tf.profile(() => step(op, inputs, dy));
    const ks = prof.kernels.filter((k) => !k.name.endsWith("__op"));
    const t = ks.reduce((s, k) => s + (k.kernelTimeMs as number), 0);
    if (t < kernelMs) [kernels, kernelMs] = [ks, t];
  }
  const names = [...new Set(kernels.map((k) => k.name))].join(",");
  return { ms, kernelMs, calls: kernels.length, names };
}

await selectBackend("wasm");
console.log(`wasm, forward + backward, mean of ${REPS} after 1 warm-up`);
for (const shape of SHAPES) {
  const C = shape[3];
  const x = tf.randomNormal(shape);
  const gamma = tf.randomUniform([C], 0.5, 1.5);
  const beta = tf.randomNormal([C]);
  const residual = tf.randomNormal(shape);
  const dy = tf.randomNormal(shape);
  for (const withResidual of [false, true]) {
    const inputs = withResidual ? [x, gamma, beta, residual] : [x, gamma, beta];
    const fused = await measure(batchNormAct, inputs, dy);
    const stock = await measure(batchNormActStock, inputs, dy);
    const pattern = withResidual ? "bn+add+relu" : "bn+relu";
    const row = (name: string, r: typeof fused) =>
      `  ${JSON.stringify(shape).padEnd(16)} ${pattern.padEnd(12)} ${name.padEnd(6)}` +
      `${r.ms.toFixed(2).padStart(8)} ms  kernels ${r.kernelMs.toFixed(2).padStart(7)} ms in ` +
      `${String(r.calls).padStart(2)} calls (${r.names})`;
    console.log(row("fused", fused));
    console.log(row("stock", stock));
    console.log(`  ${"".padEnd(29)} speed-up ${(stock.ms / fused.ms).toFixed(2)}x`);
  }
  tf.dispose([x, gamma, beta, residual, dy]);
}
