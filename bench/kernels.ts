// The training speed resnetc's wasm kernels give, to quote: one training step of a ResNet-20
// (CIFAR: 32x32x3, 3 stages of 3 basic blocks, 16/32/64 filters, option-A shortcuts), batch 64,
// built directly with tfjs-layers, on wasm (with runtime/kernels/wasm) and on cpu.
//   node --import tsx bench/kernels.ts [--steps=N] [--backends=wasm,cpu] [--profile]
// Prints images/s per backend and the wasm/cpu ratio; --profile adds wasm's slowest kernels.

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { selectBackend } from "../runtime/backends/index.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const BATCH = 64;
const WASM_STEPS = Number(flag("steps") ?? 5);
const CPU_STEPS = Math.max(1, Math.min(WASM_STEPS, 2)); // the cpu backend takes ~10 s a step
const BACKENDS = (flag("backends") ?? "wasm,cpu").split(",");
const PROFILE = args.includes("--profile");

type ST = tfl.SymbolicTensor;

/** Option-A shortcut: x[:, ::2, ::2, :] and zero channels on both sides. */
class OptionA extends tfl.layers.Layer {
  static className = "BenchOptionA";
  constructor(private readonly padChannels: number) {
    super({});
  }
  override computeOutputShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w, c] = shape as number[];
    return [n, Math.ceil(h / 2), Math.ceil(w / 2), c + 2 * this.padChannels];
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

function resnet20(): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  const convBn = (x: ST, filters: number, strides: number, relu: boolean): ST => {
    let y = tfl.layers
      .conv2d({ filters, kernelSize: 3, strides, padding: "same", useBias: false })
      .apply(x) as ST;
    y = tfl.layers.batchNormalization({ momentum: 0.9 }).apply(y) as ST;
    return relu ? (tfl.layers.activation({ activation: "relu" }).apply(y) as ST) : y;
  };
  let x = convBn(input, 16, 1, true);
  let channels = 16;
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let block = 0; block < 3; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      const y = convBn(convBn(x, filters, strides, true), filters, 1, false);
      const shortcut = strides === 1 ? x : (new OptionA((filters - channels) / 2).apply(x) as ST);
      x = tfl.layers.add().apply([y, shortcut]) as ST;
      x = tfl.layers.activation({ activation: "relu" }).apply(x) as ST;
      channels = filters;
    }
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as ST;
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 10 }).apply(x) as ST });
}

async function bench(backend: string, steps: number): Promise<number> {
  const choice = await selectBackend(backend);
  console.log(choice.reason);
  const model = resnet20();
  const xs = tf.randomNormal([BATCH, 32, 32, 3]);
  const labels = tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.momentum(0.1, 0.9);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(xs, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        vars,
      );
      for (const v of vars) grads[v.name] = tf.add(grads[v.name], tf.mul(v, 5e-4));
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      return value.dataSync()[0];
    });
  step(); // warm-up: XNNPACK operators, heap growth
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t0) / steps;
  const rate = (BATCH * 1000) / ms;
  console.log(
    `  ${backend}: ${rate.toFixed(1)} img/s (${ms.toFixed(0)} ms/step, ${steps} steps after 1 warm-up)`,
  );
  if (PROFILE && backend === "wasm") {
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

console.log(
  `ResNet-20 (option A), batch ${BATCH}, 32x32x3: one SGD-momentum step with weight decay`,
);
const rates = new Map<string, number>();
for (const b of BACKENDS) rates.set(b, await bench(b, b === "cpu" ? CPU_STEPS : WASM_STEPS));
if (rates.has("wasm") && rates.has("cpu")) {
  console.log(`  wasm/cpu: ${(rates.get("wasm")! / rates.get("cpu")!).toFixed(1)}x`);
}
