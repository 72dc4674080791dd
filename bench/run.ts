// npm run bench: speed and memory of resnetc's compiled graphs, as ratios against baselines
// measured in the same run: the same nets hand-written in tfjs-layers, and PyTorch on the same CPU
// when `python3 -c 'import torch'` works. Prints a table and writes bench/results/<date>.json.
//   node --import tsx bench/run.ts [--quick] [--backends=wasm,cpu]   (cpu: slow, batch 64 steps take minutes)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkFile } from "../compiler/check.js";
import { lower } from "../compiler/targets/tfjs/lower.js";
import { selectBackend } from "../runtime/backends/index.js";
import { softmaxCrossEntropy } from "../runtime/train/loss.js";
import { logitsModel, SgdMomentum, autoWorkers, isDecayedWeight } from "../runtime/train/index.js";
import type { IrGraph } from "../compiler/ir/types.js";
import { type Classifier, compiledClassifier } from "../runtime/infer/classifier.js";
import { inferencePool, parallelClassifier, weightValues } from "../runtime/infer/parallel.js";
import { executorForward } from "../runtime/train/executor.js";
import { layersForward, type TrainingForward } from "../runtime/train/gradients.js";
import { parallelStepper } from "../runtime/train/parallel/stepper.js";
import { handResnet20, handResnet50 } from "./baseline.js";
import { r50Training } from "./train-r50.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const backendsArg = args.find((a) => a.startsWith("--backends="))?.split("=")[1];
const STEPS = quick ? 3 : 8;

interface Row {
  what: string;
  backend: string;
  resnetc: number;
  baseline: number;
  baselineName: string;
  unit: string;
  /** resnetc / baseline; for times lower is better, for rates higher is better. */
  ratio: number;
}
const rows: Row[] = [];
const extra: Record<string, unknown> = {};

function ms(f: () => void, reps = 1): number {
  const t = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t) / reps;
}

function disposeModel(m: tfl.LayersModel) {
  m.layers.forEach((l) => l.dispose());
}

function graphOf(file: string, variant: string) {
  const r = checkFile(file, { variant });
  if (!r.ok) throw new Error(`${file} ${variant} does not check`);
  return r.graphs[0];
}

/** Images per second of a training step (SGD momentum, weight decay, softmax CE on the logits). */
async function trainRate(
  model: tfl.LayersModel,
  batch: number,
  steps: number,
  forward?: TrainingForward,
): Promise<{ rate: number; tensorsGrow: number }> {
  const sub = logitsModel(model)!;
  const fwd = forward ?? layersForward(sub);
  const params = sub.trainableWeights.map((w) => ({
    key: w.originalName,
    variable: (w as unknown as { val: tf.Variable }).val,
    decay: isDecayedWeight(w.originalName),
  }));
  const opt = new SgdMomentum(params, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
  const shape = model.inputs[0].shape.slice(1) as number[];
  const x = tf.randomNormal<tf.Rank.R4>([batch, ...shape] as [number, number, number, number]);
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    "int32",
  );
  const step = () => {
    const { value, grads } = tf.variableGrads(
      () => softmaxCrossEntropy(fwd(x), y),
      opt.variables(),
    );
    value.dataSync();
    opt.step(grads);
    tf.dispose([value, grads]);
  };
  step(); // warm-up
  const before = tf.memory().numTensors;
  const t = performance.now();
  for (let i = 0; i < steps; i++) step();
  const rate = (batch * steps) / ((performance.now() - t) / 1000);
  const tensorsGrow = tf.memory().numTensors - before;
  tf.dispose([x, y]);
  return { rate, tensorsGrow };
}

/**
 * Images per second of `resnetc train`'s step with its default workers (data parallel over worker
 * threads, see runtime/train/parallel): the same optimizer, the batch split over `workers` threads.
 */
async function trainRateWorkers(
  model: tfl.LayersModel,
  batch: number,
  steps: number,
  backend: string,
  workers: number,
  graph?: IrGraph,
): Promise<number> {
  const sub = logitsModel(model)!;
  const params = sub.trainableWeights.map((w) => ({
    key: w.originalName,
    variable: w.read() as tf.Variable,
    decay: isDecayedWeight(w.originalName),
  }));
  const opt = new SgdMomentum(params, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
  const shape = model.inputs[0].shape.slice(1) as [number, number, number];
  const forward = graph ? executorForward(graph, model) : layersForward(sub);
  const stepper = await parallelStepper(model, forward, shape, opt.variables(), {
    workers,
    backend,
    layerModules: [],
    graph,
  });
  const size = shape[0] * shape[1] * shape[2];
  const data = {
    x: Float32Array.from({ length: batch * size }, (_, i) => Math.sin(i)),
    y: Int32Array.from({ length: batch }, (_, i) => i % 10),
    n: batch,
  };
  const step = async () => {
    const g = await stepper.run(data);
    opt.step(g.grads);
    tf.dispose(g.grads);
  };
  try {
    await step(); // warm-up (every thread)
    const t = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return (batch * steps) / ((performance.now() - t) / 1000);
  } finally {
    await stepper.close();
    opt.dispose();
  }
}

/** Class probabilities of a batch, by hand (model.predict) or compiled (softmax of the logits). */
type Infer = (x: tf.Tensor4D) => Promise<tf.Tensor>;

const byHand =
  (model: tfl.LayersModel): Infer =>
  async (x) =>
    model.predict(x) as tf.Tensor;

const compiledInfer =
  (net: Classifier): Infer =>
  async (x) => {
    const logits = await net.logits(x);
    const p = tf.softmax(logits);
    logits.dispose();
    return p;
  };

async function inferRate(
  f: Infer,
  shape: readonly number[],
  batch: number,
  steps: number,
): Promise<number> {
  const x = tf.randomNormal<tf.Rank.R4>([batch, ...shape] as [number, number, number, number]);
  const run = async () => {
    const p = await f(x);
    await p.data();
    p.dispose();
  };
  await run();
  const t = performance.now();
  for (let i = 0; i < steps; i++) await run();
  x.dispose();
  return (batch * steps) / ((performance.now() - t) / 1000);
}

/** The compiled classifier on `workers` threads (this one and a pool), and how to stop it. */
async function allCores(g: IrGraph, model: tfl.LayersModel, backend: string, workers: number) {
  const local = await compiledClassifier(g, model);
  if (workers <= 1) return { net: local, close: async () => local.dispose() };
  const pool = await inferencePool(model, g, { workers, backend, layerModules: [] });
  const net = await parallelClassifier(local, pool, await weightValues(model));
  return {
    net,
    close: async () => {
      net.dispose();
      await pool.close();
    },
  };
}

function torchFigures(): Record<string, number> | null {
  const py = ["/usr/bin/python3", "python3"].find(
    (p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0,
  );
  if (!py) return null;
  // The OpenBLAS overrides set on some machines slow PyTorch's kernels; leave them out for it alone.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = execFileSync(
    py,
    ["bench/torch_resnet.py", String(Math.min(2, cpus().length)), String(quick ? 4 : 10)],
    { env, encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>;
}

function push(
  what: string,
  backend: string,
  resnetc: number,
  baseline: number,
  baselineName: string,
  unit: string,
) {
  rows.push({ what, backend, resnetc, baseline, baselineName, unit, ratio: resnetc / baseline });
}

async function main() {
  tf.env().set("PROD", true);
  const torch = torchFigures();
  extra.torch = torch;

  await selectBackend("wasm");
  // 1. Compile speed: check + lower (structure) of all five ImageNet depths.
  const check5 = ms(() => checkFile("examples/imagenet/resnet.resnet"), 3);
  let lowerZeros = 0;
  for (const g of checkFile("examples/imagenet/resnet.resnet").graphs) {
    let m: tfl.LayersModel | null = null;
    lowerZeros += ms(() => (m = lower(g, { init: "zeros" })));
    disposeModel(m!);
  }
  extra.compile = {
    checkAllFiveMs: check5,
    lowerAllFiveZerosMs: lowerZeros,
    checkPlusLowerMs: check5 + lowerZeros,
  };

  // 2. Building ResNet-50 (with He initialisation): resnetc (check + lower) vs hand-written.
  let compiled: tfl.LayersModel | null = null;
  let hand: tfl.LayersModel | null = null;
  const buildC = ms(() => (compiled = lower(graphOf("examples/imagenet/resnet.resnet", "50"))));
  const buildH = ms(() => (hand = handResnet50()));
  push(
    "ResNet-50 build (check+lower vs hand-written)",
    "wasm",
    buildC,
    buildH,
    "tfjs by hand",
    "ms",
  );

  // The pure-JS cpu backend needs minutes per ResNet-20 training step: only on request.
  const backends = backendsArg ? backendsArg.split(",") : ["wasm"];
  for (const b of backends) {
    try {
      await selectBackend(b as "wasm");
    } catch (e) {
      extra[`skipped_${b}`] = String((e as Error).message);
      continue;
    }
    const steps = b === "cpu" ? 1 : STEPS;
    const cores = b === "cpu" ? 1 : Math.min(2, cpus().length);
    const torchName = torch ? `PyTorch ${torch.torch} (${torch.threads} threads)` : "";
    // ResNet-50 inference, batch 8 at 224x224: alternate the models, keep each one's best round,
    // so that neither profits from running second. "compiled": the executor on the graph after
    // the inference passes (BN folded, ReLU and residual adds in the conv epilogues), 1 thread.
    const g50 = graphOf("examples/imagenet/resnet.resnet", "50");
    const c50 = await compiledClassifier(g50, compiled!);
    const in50 = g50.input;
    const r50 = { c: 0, h: 0, all: 0 };
    const r50steps = Math.max(1, Math.floor(steps / 2));
    for (let round = 0; round < (b === "cpu" ? 1 : 2); round++) {
      r50.c = Math.max(r50.c, await inferRate(compiledInfer(c50), in50, 8, r50steps));
      r50.h = Math.max(r50.h, await inferRate(byHand(hand!), in50, 8, r50steps));
    }
    c50.dispose();
    push("ResNet-50 inference b8 img/s, 1 thread", b, r50.c, r50.h, "tfjs by hand", "img/s");
    const all50 = await allCores(g50, compiled!, b, cores);
    r50.all = await inferRate(compiledInfer(all50.net), in50, 8, r50steps);
    r50.all = Math.max(r50.all, await inferRate(compiledInfer(all50.net), in50, 8, r50steps));
    await all50.close();
    const t50 = `ResNet-50 inference b8 img/s, ${cores} threads`;
    push(t50, b, r50.all, r50.h, "tfjs by hand (1 thread)", "img/s");
    if (torch && b === "wasm")
      push(t50, b, r50.all, torch.resnet50_infer_img_s, torchName, "img/s");

    // ResNet-20 (CIFAR) training and inference, batch 64.
    const g20 = graphOf("examples/cifar/resnet.resnet", "20");
    const c20 = lower(g20, { seed: 1 });
    const h20 = handResnet20();
    const exec20 = executorForward(g20, c20);
    const tc = await trainRate(c20, 64, steps, exec20);
    const th = await trainRate(h20, 64, steps);
    if (b !== "cpu") {
      // A second round in the other order; keep the better of each.
      const th2 = await trainRate(h20, 64, steps);
      const tc2 = await trainRate(c20, 64, steps, exec20);
      tc.rate = Math.max(tc.rate, tc2.rate);
      th.rate = Math.max(th.rate, th2.rate);
    }
    push("ResNet-20 train b64 img/s, 1 thread", b, tc.rate, th.rate, "tfjs by hand", "img/s");
    // What `resnetc train` runs by default: the batch split over one thread per core.
    const workers = autoWorkers(b, 64);
    const tw = workers > 1 ? await trainRateWorkers(c20, 64, steps, b, workers, g20) : tc.rate;
    const trainer = `ResNet-20 train b64 img/s, ${workers} worker${workers > 1 ? "s" : ""}`;
    if (workers > 1) push(trainer, b, tw, tc.rate, "resnetc, 1 thread", "img/s");
    if (torch && b === "wasm") push(trainer, b, tw, torch.resnet20_train_img_s, torchName, "img/s");
    const c20net = await compiledClassifier(g20, c20);
    const in20 = g20.input;
    const ih = Math.max(
      await inferRate(byHand(h20), in20, 64, steps),
      await inferRate(byHand(h20), in20, 64, steps),
    );
    const ic = Math.max(
      await inferRate(compiledInfer(c20net), in20, 64, steps),
      await inferRate(compiledInfer(c20net), in20, 64, steps),
    );
    c20net.dispose();
    push("ResNet-20 inference b64 img/s, 1 thread", b, ic, ih, "tfjs by hand", "img/s");
    const all20 = await allCores(g20, c20, b, cores);
    const ia = Math.max(
      await inferRate(compiledInfer(all20.net), in20, 64, steps),
      await inferRate(compiledInfer(all20.net), in20, 64, steps),
    );
    await all20.close();
    const t20 = `ResNet-20 inference b64 img/s, ${cores} threads`;
    push(t20, b, ia, ih, "tfjs by hand (1 thread)", "img/s");
    if (torch && b === "wasm") push(t20, b, ia, torch.resnet20_infer_img_s, torchName, "img/s");
    extra[`tensorGrowthPerRun_${b}`] = { compiled: tc.tensorsGrow, hand: th.tensorsGrow };
    disposeModel(c20);
    disposeModel(h20);
  }
  // ResNet-50 training at 224x224 (bench/train-r50.ts): the largest batch one share's wasm heap
  // holds, then img/s with one share per core against PyTorch at the same batch. Minutes: not
  // with --quick.
  if (!quick && (backendsArg === undefined || backendsArg.split(",").includes("wasm"))) {
    const r50 = await r50Training();
    extra.resnet50Training = r50;
    if (r50 !== null && r50.torchImgPerSec !== null) {
      push(
        `ResNet-50 train b${r50.batch} (${r50.workers}x${r50.share}) img/s`,
        "wasm",
        r50.imgPerSec,
        r50.torchImgPerSec,
        `PyTorch (${r50.workers} threads)`,
        "img/s",
      );
    }
  }
  extra.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  extra.tfMemory = tf.memory();

  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  console.log(
    `resnetc bench (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, node ${process.version}${quick ? ", quick" : ""})`,
  );
  console.log(
    `check all five ImageNet depths: ${fmt(check5)} ms; + lower them (structure, zero init): ${fmt(check5 + lowerZeros)} ms`,
  );
  for (const r of rows) {
    console.log(
      `${r.what.padEnd(48)} ${r.backend.padEnd(5)} resnetc ${fmt(r.resnetc).padStart(8)} ${r.unit.padEnd(5)}  vs ${r.baselineName.padEnd(28)} ${fmt(r.baseline).padStart(8)}  ratio ${r.ratio.toFixed(2)}`,
    );
  }
  console.log(
    `peak RSS ${extra.peakRssMiB} MiB; tensors left growing per timed run: ${JSON.stringify(Object.fromEntries(Object.entries(extra).filter(([k]) => k.startsWith("tensorGrowth"))))}`,
  );
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/${new Date().toISOString().slice(0, 10)}-cpu${quick ? "-quick" : ""}.json`;
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          cpus: cpus().length,
          model: cpus()[0]?.model,
          memGiB: Math.round(totalmem() / 2 ** 30),
          node: process.version,
        },
        rows,
        ...extra,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`wrote ${file}`);
}

await main();
