// The webgpu half of the GPU bench: prints the adapter, trains the compiler's ResNet-50 (224x224,
// the largest batch that fits among --r50-batches) and ResNet-20 (32x32) on synthetic data for a
// fixed number of steps, and writes images/s as JSON. bench/gpu/run.sh runs it, then PyTorch on the
// same GPU (bench/gpu/torch_gpu.py), and bench/gpu/combine.py prints the ratios.
//
//   node --import tsx bench/gpu/bench.ts [--backend webgpu] [--nets r50,r20] [--steps 10]
//     [--r50-batches 64,32,16] [--r20-batch 128] [--budget-s 90] [--out webgpu.json] [--no-check]
//
// First it checks a small ResNet training step on the backend against the cpu backend
// (bench/gpu/check.ts: loss, gradients, weights), then it times.
//
// Bundled into one file by bench/gpu/build.mjs for machines without Node.js; `--backend cpu
// --nets r20 --r20-batch 4 --steps 1` runs the same code here without a GPU.

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import * as tfjsWebgpu from "@tensorflow/tfjs-backend-webgpu";
import tfjsWebgpuPackage from "@tensorflow/tfjs-backend-webgpu/package.json" with { type: "json" };
import { existsSync, writeFileSync } from "node:fs";
import { cpus, hostname } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkFile } from "../../compiler/check.js";
import { lower } from "../../compiler/targets/tfjs/lower.js";
import { selectBackend } from "../../runtime/backends/index.js";
import { packageVersion, registerBundled } from "../../runtime/backends/packages.js";
import { probeWebgpu } from "../../runtime/backends/probes.js";
import { webgpuDevice } from "../../runtime/backends/webgpu.js";
import { softmaxCrossEntropy } from "../../runtime/train/loss.js";
import { SgdMomentum, isDecayedWeight, logitsModel } from "../../runtime/train/index.js";
import { checkAgainstCpu } from "./check.js";

// In the bundle tfjs-backend-webgpu is built in and cannot be resolved from disk; say it is there.
registerBundled("@tensorflow/tfjs-backend-webgpu", tfjsWebgpu, tfjsWebgpuPackage.version);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq != null ? eq.slice(name.length + 3) : fallback;
}

const BACKEND = arg("backend", "webgpu");
const NETS = arg("nets", "r50,r20").split(",");
const STEPS = Number(arg("steps", "10"));
const R50_BATCHES = arg("r50-batches", "64,32,16").split(",").map(Number);
const R20_BATCH = Number(arg("r20-batch", "128"));
const BUDGET_S = Number(arg("budget-s", "90"));
const OUT = arg("out", "");

const here = path.dirname(fileURLToPath(import.meta.url));
/** examples/ beside the bundle (kit/bench/../examples) or at the repository root. */
const EXAMPLES = [path.resolve(here, "../examples"), path.resolve(here, "../../examples")].find(
  (d) => existsSync(path.join(d, "cifar/resnet.resnet")),
);

interface GpuDeviceLike {
  pushErrorScope(filter: string): void;
  popErrorScope(): Promise<{ message: string } | null>;
  addEventListener?(type: string, f: (e: { error?: { message?: string } }) => void): void;
  lost?: Promise<{ message?: string; reason?: string }>;
}

const uncaptured: string[] = [];
let deviceLost: string | null = null;

function device(): GpuDeviceLike | null {
  return webgpuDevice() as GpuDeviceLike | null;
}

interface Trial {
  batch: number;
  ok: boolean;
  error?: string;
  firstStepSeconds?: number;
}

interface NetResult {
  net: string;
  input: string;
  batch: number | null;
  steps: number;
  seconds: number;
  imagesPerSecond: number | null;
  /** The first step of the chosen batch: shader compilation and buffer allocation included. */
  firstStepSeconds: number | null;
  finalLoss: number | null;
  tried: Trial[];
}

function graphOf(file: string, variant: string) {
  if (EXAMPLES == null) throw new Error(`examples/ not found near ${here}`);
  const r = checkFile(path.join(EXAMPLES, file), { variant });
  if (!r.ok) throw new Error(`${file} variant ${variant} does not check`);
  return r.graphs[0];
}

/** One training step's closure (SGD momentum, weight decay, softmax CE on the logits). */
function trainer(model: tfl.LayersModel, batch: number) {
  const sub = logitsModel(model) ?? model;
  const params = sub.trainableWeights.map((w) => ({
    key: w.originalName,
    variable: (w as unknown as { val: tf.Variable }).val,
    decay: isDecayedWeight(w.originalName),
  }));
  const opt = new SgdMomentum(params, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
  const shape = model.inputs[0].shape.slice(1) as number[];
  const classes = (sub.outputs[0].shape[1] ?? 10) as number;
  const x = tf.randomNormal([batch, ...shape], 0, 1, "float32", 1);
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % classes),
    "int32",
  );
  /** One step; resolves with the loss once the GPU has finished it (the read waits for it). */
  const step = async (): Promise<number> => {
    const { value, grads } = tf.variableGrads(
      () => softmaxCrossEntropy(sub.apply(x, { training: true }) as tf.Tensor, y),
      opt.variables(),
    );
    opt.step(grads);
    const loss = (await value.data())[0];
    tf.dispose([value, grads]);
    return loss;
  };
  const dispose = () => {
    opt.dispose();
    tf.dispose([x, y]);
  };
  return { step, dispose };
}

/** Runs the first step inside WebGPU error scopes: an allocation that failed is an error here. */
async function firstStep(step: () => Promise<number>): Promise<number> {
  const d = device();
  d?.pushErrorScope("out-of-memory");
  d?.pushErrorScope("validation");
  let loss: number;
  try {
    loss = await step();
  } finally {
    const validation = d ? await d.popErrorScope() : null;
    const oom = d ? await d.popErrorScope() : null;
    if (oom != null) throw new Error(`out of GPU memory: ${oom.message}`);
    if (validation != null) throw new Error(`WebGPU validation error: ${validation.message}`);
  }
  if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss}`);
  if (deviceLost != null) throw new Error(`the device was lost: ${deviceLost}`);
  return loss;
}

async function benchNet(
  net: string,
  input: string,
  build: () => tfl.LayersModel,
  batches: number[],
  steps: number,
): Promise<NetResult> {
  const result: NetResult = {
    net,
    input,
    batch: null,
    steps: 0,
    seconds: 0,
    imagesPerSecond: null,
    firstStepSeconds: null,
    finalLoss: null,
    tried: [],
  };
  for (const batch of batches) {
    // A step that failed halfway leaves tensors behind; the scope frees them before a smaller batch.
    tf.engine().startScope();
    const model = build();
    const t = trainer(model, batch);
    const trial: Trial = { batch, ok: false };
    result.tried.push(trial);
    try {
      const t0 = performance.now();
      await firstStep(t.step);
      trial.firstStepSeconds = (performance.now() - t0) / 1000;
      await t.step(); // warm-up: buffers reused, pipelines cached
      const start = performance.now();
      let done = 0;
      let loss = NaN;
      while (done < steps) {
        loss = await t.step();
        done++;
        if ((performance.now() - start) / 1000 > BUDGET_S && done >= 2) break;
      }
      const seconds = (performance.now() - start) / 1000;
      trial.ok = true;
      Object.assign(result, {
        batch,
        steps: done,
        seconds,
        imagesPerSecond: (batch * done) / seconds,
        firstStepSeconds: trial.firstStepSeconds,
        finalLoss: loss,
      });
    } catch (err) {
      trial.error = (err as Error).message.split("\n")[0].slice(0, 400);
    } finally {
      t.dispose();
      model.dispose();
      tf.engine().endScope();
    }
    const line = trial.ok
      ? `${net} batch ${batch}: ${result.imagesPerSecond!.toFixed(1)} images/s ` +
        `(${result.steps} steps in ${result.seconds.toFixed(2)} s; first step ` +
        `${trial.firstStepSeconds!.toFixed(1)} s)`
      : `${net} batch ${batch}: failed: ${trial.error}`;
    console.log(line);
    if (trial.ok) break;
  }
  return result;
}

async function main(): Promise<number> {
  tf.env().set("PROD", true);
  const started = new Date();
  const out: Record<string, unknown> = {
    date: started.toISOString(),
    machine: { hostname: hostname(), cpus: cpus().length, cpu: cpus()[0]?.model ?? null },
    node: process.version,
    packages: {
      "@tensorflow/tfjs-core": tf.version_core,
      "@tensorflow/tfjs-backend-webgpu": tfjsWebgpuPackage.version,
      webgpu: packageVersion("webgpu"),
    },
    backendRequested: BACKEND,
  };
  const write = () => {
    if (OUT) writeFileSync(OUT, JSON.stringify(out, null, 2) + "\n");
  };

  if (BACKEND === "webgpu") {
    const p = await probeWebgpu();
    out.adapter = p.adapter ?? null;
    out.probe = { status: p.status, summary: p.summary, detail: p.detail ?? null };
    console.log(`webgpu: ${p.status}: ${p.detail ?? p.summary}`);
  }
  try {
    const choice = await selectBackend(BACKEND, { env: {} });
    out.backend = choice.name;
    out.reason = choice.reason;
    console.log(choice.reason);
  } catch (err) {
    out.error = (err as Error).message;
    console.log(`no ${BACKEND} backend: ${out.error}`);
    write();
    return 2;
  }
  if (!process.argv.includes("--no-check")) {
    // The numbers first: a fast backend that computes wrong gradients is worth nothing.
    const check = await checkAgainstCpu(BACKEND);
    out.check = check;
    console.log(
      `check of a ResNet training step on ${BACKEND} against cpu: ` +
        (check.passed
          ? `passed (losses ${check.losses.backend.map((l) => l.toFixed(5)).join(", ")}; ` +
            `cpu ${check.losses.cpu.map((l) => l.toFixed(5)).join(", ")})`
          : `FAILED: ${check.failures.join("; ")}`),
    );
    await selectBackend(BACKEND, { env: {} });
    write();
  }
  const d = device();
  d?.addEventListener?.("uncapturederror", (e) => {
    if (uncaptured.length < 20) uncaptured.push(e.error?.message ?? "unknown error");
  });
  d?.lost?.then((info) => (deviceLost = `${info.reason ?? ""} ${info.message ?? ""}`.trim()));

  const nets: NetResult[] = [];
  out.nets = nets;
  if (NETS.includes("r50")) {
    const g = graphOf("imagenet/resnet.resnet", "50");
    nets.push(
      await benchNet("ResNet-50", "224x224x3", () => lower(g, { seed: 1 }), R50_BATCHES, STEPS),
    );
    write();
  }
  if (NETS.includes("r20")) {
    const g = graphOf("cifar/resnet.resnet", "20");
    nets.push(
      await benchNet("ResNet-20", "32x32x3", () => lower(g, { seed: 1 }), [R20_BATCH], STEPS * 2),
    );
  }
  out.uncapturedErrors = uncaptured;
  out.deviceLost = deviceLost;
  out.tfMemory = tf.memory();
  out.seconds = (Date.now() - started.getTime()) / 1000;
  write();
  if (OUT) console.log(`wrote ${OUT}`);
  const checked = (out.check as { passed?: boolean } | undefined)?.passed !== false;
  return checked && nets.every((n) => n.imagesPerSecond != null) ? 0 : 1;
}

// Exit explicitly: nothing must keep the process (and the device) alive after the figures.
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(3);
  },
);
