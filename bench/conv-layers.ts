// Per-layer timings of resnetc's wasm convolution kernels on ResNet-20's layer shapes (CIFAR,
// 32x32x3 input), each the best of --reps calls (the least disturbed by other processes):
// FusedConv2D with bias and relu (what tfjs-layers runs for Conv2D with useBias, activation relu),
// ResnetcFusedConv2D with bias + residual + relu where it is registered, and the two gradients.
// With --fma=both, each kernel is timed with the fused multiply-add loops and with
// RESNETC_WASM_FMA=off. At a small batch (--batch=1) the time is mostly the per-call fixed cost.
//   node --import tsx bench/conv-layers.ts [--batch=64] [--reps=7] [--fma=both|on|off]

import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../runtime/backends/index.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const BATCH = Number(flag("batch") ?? 64);
const REPS = Number(flag("reps") ?? 7);
const FMA = flag("fma") ?? "both";

/** ResNet-20's convolutions: input side, channels in and out, stride, and calls per net. */
const LAYERS: [number, number, number, number, number][] = [
  [32, 3, 16, 1, 1],
  [32, 16, 16, 1, 6],
  [32, 16, 32, 2, 1],
  [16, 32, 32, 1, 5],
  [16, 32, 64, 2, 1],
  [8, 64, 64, 1, 5],
];

const VARIANTS = FMA === "both" ? ["on", "off"] : [FMA];

function setFma(v: string): void {
  if (v === "off") process.env.RESNETC_WASM_FMA = "off";
  else delete process.env.RESNETC_WASM_FMA;
}

/** The best time of f per FMA variant, the variants alternating call by call. */
function best(f: () => tf.Tensor): Record<string, number> {
  const min: Record<string, number> = {};
  for (let i = 0; i < REPS + 1; i++) {
    for (const v of VARIANTS) {
      setFma(v);
      const t0 = performance.now();
      const y = f();
      const ms = performance.now() - t0;
      y.dispose();
      if (i > 0) min[v] = Math.min(min[v] ?? Infinity, ms); // the first: XNNPACK, heap growth
    }
  }
  return min;
}

function timeLayer(side: number, ci: number, co: number, s: number) {
  const x = tf.randomNormal([BATCH, side, side, ci]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, ci, co]) as tf.Tensor4D;
  const b = tf.randomNormal([co]) as tf.Tensor1D;
  const o = side / s;
  const dy = tf.randomNormal([BATCH, o, o, co]) as tf.Tensor4D;
  const pad =
    s === 1 ? { top: 1, bottom: 1, left: 1, right: 1 } : { top: 0, bottom: 1, left: 0, right: 1 };
  const r: Record<string, Record<string, number>> = {};
  r.fwd = best(() =>
    tf.fused.conv2d({ x, filter: w, strides: s, pad: "same", bias: b, activation: "relu" }),
  );
  if (tf.getKernel("ResnetcFusedConv2D", "wasm") != null) {
    const attrs = {
      strides: [s, s],
      pad,
      dilations: [1, 1],
      hasBias: true,
      hasResidual: true,
      relu: true,
    };
    r.fused = best(
      () =>
        tf
          .engine()
          .runKernel(
            "ResnetcFusedConv2D",
            { x, filter: w, bias: b, residual: dy },
            attrs as never,
          ) as tf.Tensor,
    );
  }
  const gradAttrs = { strides: s, pad: "same", dataFormat: "NHWC", dimRoundingMode: undefined };
  r.dx = best(
    () =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, {
        ...gradAttrs,
        inputShape: x.shape,
      } as never) as tf.Tensor,
  );
  r.dW = best(
    () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
        ...gradAttrs,
        filterShape: w.shape,
      } as never) as tf.Tensor,
  );
  tf.dispose([x, w, b, dy]);
  return r;
}

await selectBackend("wasm");
console.log(`ResNet-20 conv layers on wasm, batch ${BATCH}, best of ${REPS} (ms per call)`);
const totals: Record<string, Record<string, number>> = {};
for (const [side, ci, co, s, n] of LAYERS) {
  const r = timeLayer(side, ci, co, s);
  for (const v of VARIANTS) {
    const cells = Object.entries(r).map(([k, ms]) => `${k} ${ms[v].toFixed(2).padStart(7)}`);
    console.log(
      `  fma ${v.padEnd(3)} ${side}x${side} ${ci}->${co} s${s} x${n}: ${cells.join("  ")}`,
    );
    const tot = (totals[v] ??= {});
    for (const [k, ms] of Object.entries(r)) tot[k] = (tot[k] ?? 0) + ms[v] * n;
  }
}
for (const [v, tot] of Object.entries(totals)) {
  const cells = Object.entries(tot).map(([k, ms]) => `${k} ${ms.toFixed(1)}`);
  console.log(`  per net (19 convs), fma ${v}: ${cells.join("  ")} ms`);
}
