// ResNet-50 training at 224x224 on wasm: the largest batch one share (one thread, one wasm heap of
// at most 4 GiB) trains at, found by trying batches in child processes (past the heap's end the
// backend aborts, which a process does not survive), then images/s with one share per core
// (runtime/train/parallel) against PyTorch at the same batch and threads (bench/torch_resnet.py).
//   node --import tsx bench/train-r50.ts [--shares=2,4,6,8,12] [--steps=2]
//   node --import tsx bench/train-r50.ts --probe=B     (one process: two steps at batch B)
// bench/run.ts calls r50Training() unless --quick.
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { checkFile } from "../compiler/check.js";
import { lower } from "../compiler/targets/tfjs/lower.js";
import { selectBackend, wasmHeapSizeBytes } from "../runtime/backends/index.js";
import { executorForward } from "../runtime/train/executor.js";
import { lossAndGradients } from "../runtime/train/gradients.js";
import { logitsModel, SgdMomentum, isDecayedWeight } from "../runtime/train/index.js";
import { parallelStepper } from "../runtime/train/parallel/stepper.js";

const SHAPE: [number, number, number] = [224, 224, 3];
const MiB = 2 ** 20;

function resnet50() {
  const r = checkFile("examples/imagenet/resnet.resnet", { variant: "50" });
  if (!r.ok) throw new Error("examples/imagenet/resnet.resnet 50 does not check");
  const graph = r.graphs[0]!;
  const model = lower(graph, { seed: 1 });
  const sub = logitsModel(model)!;
  // resnetc train's step: the executor on the fused graph, the model's variables.
  const forward = executorForward(graph, model);
  const opt = new SgdMomentum(
    sub.trainableWeights.map((w) => ({
      key: w.originalName,
      variable: w.read() as tf.Variable,
      decay: isDecayedWeight(w.originalName),
    })),
    { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 },
  );
  return { model, graph, forward, opt };
}

function batchOf(n: number) {
  const size = SHAPE[0] * SHAPE[1] * SHAPE[2];
  return {
    x: Float32Array.from({ length: n * size }, (_, i) => Math.sin(i)),
    y: Int32Array.from({ length: n }, (_, i) => i % 1000),
    n,
  };
}

/** In this process: two training steps at batch n; prints one JSON line. */
async function probe(n: number): Promise<void> {
  tf.env().set("PROD", true);
  await selectBackend("wasm");
  const { forward, opt } = resnet50();
  const b = batchOf(n);
  const times: number[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      const x = tf.tensor4d(b.x, [n, ...SHAPE]);
      const y = tf.tensor1d(b.y, "int32");
      const g = await lossAndGradients(forward, x, y, opt.variables());
      opt.step(g.grads);
      tf.dispose([x, y, g.grads]);
      times.push(performance.now() - t);
    }
    const heap = Math.round((wasmHeapSizeBytes() ?? 0) / MiB);
    console.log(JSON.stringify({ batch: n, ok: true, stepMs: times[1], heapMiB: heap }));
  } catch (err) {
    const message = (err as Error).message.split("\n")[0];
    console.log(JSON.stringify({ batch: n, ok: false, error: message }));
  }
}

export interface ProbeResult {
  batch: number;
  ok: boolean;
  stepMs?: number;
  heapMiB?: number;
  error?: string;
}

/** Tries each batch in a child process (in order; stops at the first that fails). */
export function probeShares(batches: number[]): ProbeResult[] {
  const out: ProbeResult[] = [];
  for (const n of batches) {
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, "bench/train-r50.ts", `--probe=${n}`],
      { encoding: "utf8", maxBuffer: 64 * MiB },
    );
    const line = r.stdout
      .trim()
      .split("\n")
      .reverse()
      .find((l) => l.startsWith("{"));
    const res: ProbeResult =
      line !== undefined
        ? (JSON.parse(line) as ProbeResult)
        : {
            batch: n,
            ok: false,
            error:
              `the process ended (status ${r.status}, signal ${r.signal}): ` +
              (r.stderr
                .trim()
                .split("\n")
                .filter((l) => !/^\s+at /.test(l))
                .slice(-3)
                .join(" | ") || "no message"),
          };
    out.push(res);
    if (!res.ok) break;
  }
  return out;
}

/** Images/s of ResNet-50 training, batch shares x workers, one share per worker thread. */
export async function r50TrainRate(share: number, workers: number, steps: number) {
  await selectBackend("wasm");
  const { model, graph, forward, opt } = resnet50();
  const stepper = await parallelStepper(model, forward, SHAPE, opt.variables(), {
    workers,
    backend: "wasm",
    layerModules: [],
    graph,
  });
  const data = batchOf(share * workers);
  const step = async () => {
    const g = await stepper.run(data);
    opt.step(g.grads);
    tf.dispose(g.grads);
  };
  try {
    await step(); // warm-up, every thread
    const t = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return (data.n * steps) / ((performance.now() - t) / 1000);
  } finally {
    await stepper.close();
    opt.dispose();
    model.layers.forEach((l) => l.dispose());
  }
}

/** PyTorch's ResNet-50 training images/s at `batch` on `threads` threads, or null without torch. */
export function torchR50Train(batch: number, threads: number, steps: number): number | null {
  const py = ["/usr/bin/python3", "python3"].find(
    (p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0,
  );
  if (py === undefined) return null;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(
    py,
    ["bench/torch_resnet.py", String(threads), String(steps), String(batch)],
    { env, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`bench/torch_resnet.py failed: ${r.stderr}`);
  const figures = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
  return figures.resnet50_train_img_s ?? null;
}

export interface R50Training {
  probes: ProbeResult[];
  share: number;
  workers: number;
  batch: number;
  imgPerSec: number;
  torchImgPerSec: number | null;
}

/** The whole measurement: the largest share that fits, then resnetc and PyTorch at that batch. */
export async function r50Training(
  candidates = [2, 4, 6, 8, 12],
  steps = 2,
): Promise<R50Training | null> {
  const probes = probeShares(candidates);
  const fits = probes.filter((p) => p.ok);
  if (fits.length === 0) return null;
  const share = fits[fits.length - 1]!.batch;
  const workers = Math.max(1, Math.min(2, cpus().length));
  const imgPerSec = await r50TrainRate(share, workers, steps);
  const torchImgPerSec = torchR50Train(share * workers, workers, steps + 1);
  return { probes, share, workers, batch: share * workers, imgPerSec, torchImgPerSec };
}

const isMain = process.argv[1]?.endsWith("train-r50.ts") ?? false;
if (isMain) {
  const args = process.argv.slice(2);
  const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const probeArg = arg("probe");
  if (probeArg !== undefined) await probe(Number(probeArg));
  else {
    const shares = (arg("shares") ?? "2,4,6,8,12").split(",").map(Number);
    const r = await r50Training(shares, Number(arg("steps") ?? "2"));
    for (const p of r?.probes ?? []) {
      console.log(
        p.ok
          ? `share b${p.batch}: fits (step ${(p.stepMs! / 1000).toFixed(1)} s, wasm heap ${p.heapMiB} MiB)`
          : `share b${p.batch}: does not fit: ${p.error}`,
      );
    }
    if (r === null) console.log("no batch fits");
    else {
      const vs =
        r.torchImgPerSec === null
          ? "PyTorch not installed"
          : `PyTorch ${r.torchImgPerSec.toFixed(2)} img/s, ratio ${(r.imgPerSec / r.torchImgPerSec).toFixed(2)}`;
      console.log(
        `ResNet-50 train 224, batch ${r.batch} (${r.workers} x ${r.share}): ` +
          `resnetc ${r.imgPerSec.toFixed(2)} img/s vs ${vs} (${r.workers} threads)`,
      );
      console.log(JSON.stringify(r));
    }
  }
}
