// The fixed cost of a training step: step time against batch, kernel calls by kind, and the time
// spent outside kernels, split into the step's phases (forward + backward with the tape, the loss
// read, the optimizer), for ResNet-20 on wasm, one thread. With --workers: the parallel stepper's
// per-step cost (weights out, gradients back, their average) at the same batch. "cpu" is the
// process's CPU time per step, which other processes on a shared machine disturb less than the
// wall-clock time.
//   node --import tsx bench/step-profile.ts [--batches=1,2,4,8,16,64] [--steps=5] [--kinds=12]
//                                           [--workers] [--backend=wasm] [--ab]
// --ab: in one process, alternately, the step as it was before the fused optimizer update, the
// shared saved tensors and the fused loss (SgdMomentum fused: false, tfjs-core's own engine.clone,
// softmaxCrossEntropy + countTopKErrors) and as it is now (wasm AvgPoolGrad is the new one in both);
// least CPU time and median wall time per step of each, and their kernel calls.
// --origins: one step's kernel calls (top level) by where they come from: the tfjs-layers layer
// that ran them in the forward pass, the gradient function in the backward pass, the optimizer
// (the forward convolutions, custom-gradient ops, do not go through runKernel: 19 more calls).
import * as tf from "@tensorflow/tfjs-core";
import { checkFile } from "../compiler/check.js";
import { lower } from "../compiler/targets/tfjs/lower.js";
import { selectBackend } from "../runtime/backends/index.js";
import { countTopKErrors, softmaxCrossEntropy, trainingLoss } from "../runtime/train/loss.js";
import { logitsModel, SgdMomentum, isDecayedWeight } from "../runtime/train/index.js";
import { parallelStepper, localStepper } from "../runtime/train/parallel/stepper.js";
import { layersForward } from "../runtime/train/gradients.js";
import { installSharedSaves, uninstallSharedSaves } from "../runtime/kernels/saved_tensors.js";

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const batches = arg("batches", "1,2,4,8,16,64").split(",").map(Number);
const steps = Number(arg("steps", "5"));
const kinds = Number(arg("kinds", "12"));
const backend = arg("backend", "wasm");

tf.env().set("PROD", true);
await selectBackend(backend as "wasm");
const g = checkFile("examples/cifar/resnet.resnet", { variant: "20" }).graphs[0]!;
const model = lower(g, { seed: 1 });
const sub = logitsModel(model)!;
const params = sub.trainableWeights.map((w) => ({
  key: w.originalName,
  variable: w.read() as tf.Variable,
  decay: isDecayedWeight(w.originalName),
}));
const opt = new SgdMomentum(params, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
const oldOpt = new SgdMomentum(params, {
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 1e-4,
  fused: false,
});

/**
 * Forward and backward pass, loss and top-1 errors read, as runtime/train/gradients.ts does now
 * (`now`: the fused loss and its error count) or did before (softmaxCrossEntropy, then
 * countTopKErrors on the kept logits). Returns the gradients (the caller disposes them).
 */
async function forwardBackward(
  x: tf.Tensor,
  y: tf.Tensor,
  vars: tf.Variable[],
  now: boolean,
): Promise<tf.NamedTensorMap> {
  let logits: tf.Tensor | null = null;
  let errors: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = sub.apply(x, { training: true }) as tf.Tensor;
    if (now) {
      const r = trainingLoss(out, y);
      errors = r.errors;
      return r.loss;
    }
    logits = tf.keep(out);
    return softmaxCrossEntropy(out, y);
  }, vars);
  await value.data();
  if (errors !== null) await (errors as tf.Scalar).data();
  else await countTopKErrors(logits!, y, 1);
  value.dispose();
  (errors as tf.Tensor | null)?.dispose();
  (logits as tf.Tensor | null)?.dispose();
  return grads;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Kernel calls and their summed time per kind in `f`; top-level kernels only (no "__op"). */
async function kernelsOf(f: () => void | Promise<void>) {
  const p = await tf.profile(f);
  const count: Record<string, number> = {};
  const time: Record<string, number> = {};
  for (const k of p.kernels) {
    if (k.name.endsWith("__op")) continue; // wraps a kernel that is listed as well
    count[k.name] = (count[k.name] ?? 0) + 1;
    time[k.name] = (time[k.name] ?? 0) + (k.kernelTimeMs as number);
  }
  const calls = Object.values(count).reduce((a, b) => a + b, 0);
  const ms = Object.values(time).reduce((a, b) => a + b, 0);
  return { calls, ms, count, time };
}

async function profileBatch(batch: number) {
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  let grads: tf.NamedTensorMap = {};
  const fwdBwd = async () => {
    grads = await forwardBackward(x, y, opt.variables(), true);
  };
  const optimize = () => {
    opt.step(grads);
    tf.dispose(grads);
  };
  for (let i = 0; i < 2; i++) (await fwdBwd(), optimize());
  const tStep: number[] = [];
  const tGrad: number[] = [];
  const tOpt: number[] = [];
  const tCpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fwdBwd();
    const t1 = performance.now();
    optimize();
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    tStep.push(t2 - t0);
    tGrad.push(t1 - t0);
    tOpt.push(t2 - t1);
    tCpu.push((c.user + c.system) / 1000);
  }
  const kg = await kernelsOf(fwdBwd);
  const ko = await kernelsOf(optimize);
  tf.dispose([x, y]);
  const step = median(tStep);
  const all: Record<string, number> = { ...kg.count };
  for (const [k, n] of Object.entries(ko.count)) all[k] = (all[k] ?? 0) + n;
  const top = Object.entries(all)
    .sort((a, b) => b[1] - a[1])
    .slice(0, kinds)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  console.log(
    `b${String(batch).padEnd(3)} step ${step.toFixed(1)} ms, cpu (least) ${Math.min(...tCpu).toFixed(1)} ms (fwd+bwd ${median(tGrad).toFixed(1)}, ` +
      `optimizer ${median(tOpt).toFixed(1)}); kernels ${kg.calls + ko.calls} ` +
      `(fwd+bwd ${kg.calls}, optimizer ${ko.calls}); kernel time fwd+bwd ${kg.ms.toFixed(1)} ` +
      `optimizer ${ko.ms.toFixed(1)} ms (profiled); outside kernels ~${(step - kg.ms - ko.ms).toFixed(1)} ms`,
  );
  console.log(`     by kind: ${top}`);
}

/** The parallel stepper's cost per step: 2 threads at batch 2n against this thread alone at n. */
async function profileWorkers(batch: number) {
  const size = 32 * 32 * 3;
  const data = (n: number) => ({
    x: Float32Array.from({ length: n * size }, (_, i) => Math.sin(i)),
    y: Int32Array.from({ length: n }, (_, i) => i % 10),
    n,
  });
  const shape: [number, number, number] = [32, 32, 3];
  const vars = opt.variables();
  const time = async (run: () => Promise<void>) => {
    for (let i = 0; i < 2; i++) await run();
    const ts: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t = performance.now();
      await run();
      ts.push(performance.now() - t);
    }
    return median(ts);
  };
  const local = localStepper(layersForward(sub), shape, vars);
  const half = data(batch / 2);
  const tLocal = await time(async () => tf.dispose((await local.run(half)).grads));
  const par = await parallelStepper(model, layersForward(sub), shape, vars, {
    workers: 2,
    backend,
    layerModules: [],
  });
  const full = data(batch);
  try {
    const tPar = await time(async () => tf.dispose((await par.run(full)).grads));
    console.log(
      `workers 2, b${batch}: step ${tPar.toFixed(1)} ms; this thread alone on its share ` +
        `(b${batch / 2}) ${tLocal.toFixed(1)} ms; the difference (messaging, averaging, waiting) ` +
        `${(tPar - tLocal).toFixed(1)} ms`,
    );
  } finally {
    await par.close();
  }
}

/** The step before and after (see --ab), alternately, `rounds` times `steps` steps each. */
async function abBatch(batch: number, rounds = 4) {
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  const modes = {
    before: { opt: oldOpt, now: false },
    after: { opt, now: true },
  };
  const step = async (m: { opt: SgdMomentum; now: boolean }) => {
    const grads = await forwardBackward(x, y, m.opt.variables(), m.now);
    m.opt.step(grads);
    tf.dispose(grads);
  };
  const cpu: Record<string, number[]> = { before: [], after: [] };
  const wall: Record<string, number[]> = { before: [], after: [] };
  const kernels: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, m] of Object.entries(modes)) {
      if (m.now) installSharedSaves();
      else uninstallSharedSaves();
      await step(m);
      if (r === 0) kernels[name] = (await tf.profile(() => step(m))).kernels.length;
      for (let i = 0; i < steps; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await step(m);
        wall[name]!.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu[name]!.push((c.user + c.system) / 1000);
      }
    }
  }
  installSharedSaves();
  tf.dispose([x, y]);
  const fmt = (k: string) =>
    `${k}: cpu (least) ${Math.min(...cpu[k]!).toFixed(1)} ms, wall (median) ` +
    `${median(wall[k]!).toFixed(1)} ms, ${kernels[k]} kernel calls`;
  console.log(`b${String(batch).padEnd(3)} ${fmt("before")}; ${fmt("after")}`);
}

/** One step at `batch`: kernel calls by origin (see --origins), from each call's stack. */
async function origins(batch: number) {
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  const engine = tf.engine() as unknown as {
    runKernel: (...a: unknown[]) => unknown;
    state: { kernelDepth: number };
  };
  const run = engine.runKernel;
  const count: Record<string, number> = {};
  let phase = "forward";
  engine.runKernel = function (this: unknown, ...a: unknown[]) {
    if (engine.state.kernelDepth === 0) {
      const stack = new Error().stack ?? "";
      const grad =
        /gradients\/(\w+)_grad/.exec(stack)?.[1] ??
        (/reduce_grads/.test(stack) ? "Sum or Mean (reduce_grads.ts)" : undefined) ??
        (/fused\/conv2d/.test(stack) ? "FusedConv2D" : undefined);
      const layer = /tfjs-layers\/src\/(?:layers\/)?(\w+)\.ts/.exec(stack)?.[1];
      const what =
        phase === "backward"
          ? grad !== undefined
            ? `gradient of ${grad}`
            : /tape\.ts/.test(stack) && a[0] === "Add"
              ? "summing a tensor's gradients (tape)"
              : `${String(a[0])} (other)`
          : phase === "optimizer"
            ? "optimizer"
            : layer !== undefined
              ? `layer ${layer}`
              : `${String(a[0])} (other)`;
      const key = `${phase}: ${what}`;
      count[key] = (count[key] ?? 0) + 1;
    }
    return run.apply(this, a);
  };
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = sub.apply(x, { training: true }) as tf.Tensor;
      phase = "loss";
      const r = trainingLoss(out, y);
      r.errors?.dispose();
      phase = "backward";
      return r.loss;
    }, opt.variables());
    phase = "optimizer";
    opt.step(grads);
    tf.dispose([value, grads, x, y]);
  } finally {
    engine.runKernel = run;
  }
  const total = Object.values(count).reduce((p, q) => p + q, 0);
  console.log(`b${batch}: ${total} kernel calls by origin`);
  for (const [k, n] of Object.entries(count).sort((p, q) => q[1] - p[1]))
    console.log(`  ${String(n).padStart(5)}  ${k}`);
}

console.log(`ResNet-20 training step on ${backend}, 1 thread, median of ${steps} steps`);
if (args.includes("--origins")) await origins(batches[0]!);
else if (args.includes("--ab")) for (const b of batches) await abBatch(b);
else for (const b of batches) await profileBatch(b);
if (args.includes("--workers")) for (const b of [4, 64]) await profileWorkers(b);
