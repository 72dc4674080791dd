// The training speed resnetc's wasm kernels give, to quote: one training step of a ResNet-20
// (CIFAR: 32x32x3, 3 stages of 3 basic blocks, 16/32/64 filters, option-A shortcuts), batch 64,
// the net written by hand in tfjs-layers (bench/baseline.ts), on wasm (with runtime/kernels/wasm)
// and on cpu.
//   node --import tsx bench/kernels.ts [--steps=N] [--backends=wasm,cpu] [--cpu-batch=N] [--profile]
// Prints images/s per backend and the wasm/cpu ratio; --profile adds wasm's slowest kernels.
// RESNETC_WASM_FMA=off times the conv loops without fused multiply-adds (see bench/conv-layers.ts
// for per-layer times of both).
//
// tfjs's cpu backend needs minutes for one batch-64 step of this net (its conv gradients are
// scalar loops through TensorBuffer.get), so it is timed on a small batch (--cpu-batch, default 4)
// for one step; wasm is timed at that batch too, so the ratio compares like with like. Images/s on
// cpu hardly depends on the batch (every loop is linear in it).

import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../runtime/backends/index.js";
import { wasmFmaState } from "../runtime/kernels/wasm/conv_module.js";
import type { WasmModuleLike } from "../runtime/kernels/wasm/wasm_heap.js";
import { logitsModel } from "../runtime/train/index.js";
import { handResnet20 } from "./baseline.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const BATCH = 64;
const CPU_BATCH = Number(flag("cpu-batch") ?? 4);
const STEPS = Number(flag("steps") ?? 5);
const BACKENDS = (flag("backends") ?? "wasm,cpu").split(",");
const PROFILE = args.includes("--profile");

async function bench(backend: string, batch: number, steps: number, warmUp: boolean) {
  const model = handResnet20();
  const logits = logitsModel(model)!;
  const xs = tf.randomNormal([batch, 32, 32, 3]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32"), 10);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.momentum(0.1, 0.9);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            logits.apply(xs, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        vars,
      );
      for (const v of vars) grads[v.name] = tf.add(grads[v.name], tf.mul(v, 5e-4));
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      return value.dataSync()[0];
    });
  if (warmUp) step(); // XNNPACK operators, heap growth
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t0) / steps;
  const rate = (batch * 1000) / ms;
  const after = warmUp ? " after 1 warm-up" : "";
  console.log(
    `  ${backend}, batch ${batch}: ${rate.toFixed(rate < 10 ? 2 : 1)} img/s ` +
      `(${ms.toFixed(0)} ms/step, ${steps} step${steps === 1 ? "" : "s"}${after})`,
  );
  if (PROFILE && backend === "wasm" && batch === BATCH) {
    const prof = await tf.profile(() => void step());
    const byKernel = new Map<string, number>();
    for (const k of prof.kernels) {
      // Only real kernels: names ending in __op are wrappers that contain kernels.
      if (k.name.endsWith("__op")) continue;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    }
    const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
    for (const [name, t] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
      console.log(
        `    ${name.padEnd(24)} ${t.toFixed(0).padStart(6)} ms ${((100 * t) / total).toFixed(1)}%`,
      );
    }
  }
  optimizer.dispose();
  tf.dispose([xs, labels]);
  model.dispose();
  return rate;
}

console.log("ResNet-20 (option A), 32x32x3: one SGD-momentum step with weight decay");
const rates = new Map<string, number>();
for (const b of BACKENDS) {
  console.log((await selectBackend(b)).reason);
  if (b === "wasm") {
    const fma = wasmFmaState((tf.backend() as unknown as { wasm: WasmModuleLike }).wasm);
    const state = fma.on == null ? "no SIMD loops" : fma.on ? "on" : `off (${fma.why})`;
    console.log(`  fused multiply-adds in the conv loops: ${state}`);
  }
  if (b === "cpu") {
    rates.set(`cpu@${CPU_BATCH}`, await bench(b, CPU_BATCH, 1, false));
  } else {
    rates.set(`${b}@${BATCH}`, await bench(b, BATCH, STEPS, true));
    if (BACKENDS.includes("cpu"))
      rates.set(`${b}@${CPU_BATCH}`, await bench(b, CPU_BATCH, STEPS, true));
  }
}
const cpu = rates.get(`cpu@${CPU_BATCH}`);
if (cpu != null) {
  for (const b of BACKENDS.filter((x) => x !== "cpu")) {
    const same = rates.get(`${b}@${CPU_BATCH}`)!;
    const big = rates.get(`${b}@${BATCH}`)!;
    console.log(
      `  ${b}/cpu: ${(same / cpu).toFixed(0)}x at batch ${CPU_BATCH}; ` +
        `${(big / cpu).toFixed(0)}x for ${b} at batch ${BATCH} vs cpu at batch ${CPU_BATCH}`,
    );
  }
}
