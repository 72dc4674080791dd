// `resnetc build --target pytorch` and `resnetc data export mnist` as a user runs them, then the
// generated project as a PyTorch user runs it: model.py, and train.py on 2 processes with
// DistributedDataParallel (torchrun's launcher, gloo on the CPU) on the exported MNIST digits for
// 40 iterations, killed mid-epoch after a checkpoint and resumed from it; its metrics.jsonl has
// resnetc train's schema and `resnetc plot` draws it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openMnist } from "../../runtime/data/mnist.js";
import { readSafetensors } from "../../runtime/io/safetensors.js";
import { Rng } from "../../runtime/rng.js";
import { python, skipWithoutTorch, torchEnv } from "../compiler/targets/pytorch/python.js";
import { noStack, resnetc } from "./run.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "resnetc-pytorch-cli-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("resnetc build --target pytorch", () => {
  it("writes model.py, train.py, launch.py, weights.safetensors and README.md", () => {
    const out = join(dir, "mn");
    const r = resnetc([
      "build",
      "examples/mnist/resnet.resnet",
      "--target",
      "pytorch",
      "-o",
      out,
      "--seed",
      "1",
    ]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(
      "built mnist_resnet for PyTorch: 75,002 params, 4,403,584 multiply-adds",
    );
    expect(readdirSync(out).sort()).toEqual([
      "README.md",
      "launch.py",
      "model.py",
      "resnetc.json",
      "spec.resnet",
      "train.py",
      "weights.safetensors",
    ]);
    // 75,002 parameters and 2 x 112 BN statistics, float32, plus the header.
    expect(readFileSync(join(out, "weights.safetensors")).length).toBeGreaterThan(
      4 * (75002 + 224),
    );
  });

  it("writes the tfjs build's initial weights (same seed) under torchvision's names", async () => {
    const tfjs = join(dir, "tfjs");
    expect(resnetc(["build", "examples/mnist/resnet.resnet", "-o", tfjs, "--seed", "1"]).code).toBe(
      0,
    );
    expect(resnetc(["export", tfjs, "-o", join(dir, "tfjs.safetensors")]).code).toBe(0);
    const want = await readSafetensors(join(dir, "tfjs.safetensors"));
    const got = await readSafetensors(join(dir, "mn", "weights.safetensors"));
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [name, t] of want) expect([name, got.get(name)!.data]).toEqual([name, t.data]);
    const other = resnetc([
      "build",
      "examples/mnist/resnet.resnet",
      "--target",
      "pytorch",
      "-o",
      join(dir, "mn2"),
      "--seed",
      "2",
    ]);
    expect(other.code).toBe(0);
    const seed2 = await readSafetensors(join(dir, "mn2", "weights.safetensors"));
    expect(seed2.get("conv1.weight")!.data).not.toEqual(got.get("conv1.weight")!.data);
  });

  it("refuses an unknown target with a usage error", () => {
    const r = resnetc([
      "build",
      "examples/mnist/resnet.resnet",
      "--target",
      "onnx",
      "-o",
      join(dir, "x"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'onnx' is invalid. Allowed choices are tfjs, pytorch.");
    expect(existsSync(join(dir, "x"))).toBe(false);
  });
});

describe("resnetc data export", () => {
  it("writes the bundled MNIST digits as train/ and val/ folders of PNGs", () => {
    const r = resnetc(["data", "export", "mnist", join(dir, "digits")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("exported mnist: 9,000 training and 1,000 test digits");
    const count = (split: string) =>
      readdirSync(join(dir, "digits", split)).map(
        (c) => readdirSync(join(dir, "digits", split, c)).length,
      );
    expect(count("train").reduce((a, b) => a + b)).toBe(9000);
    expect(count("val").reduce((a, b) => a + b)).toBe(1000);
    expect(readdirSync(join(dir, "digits", "train")).sort()).toEqual([
      "0",
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
      "9",
    ]);
  });

  it("names the sources it can export when asked for another", () => {
    const r = resnetc(["data", "export", "imagenet", join(dir, "nope")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('resnetc: cannot export the data source "imagenet"');
    expect(r.stderr).toContain("hint: sources: mnist");
    expect(noStack(r)).toBe(true);
  });
});

describe.skipIf(skipWithoutTorch)("the generated project under PyTorch", () => {
  const py = (args: string[], cwd = join(dir, "mn")) =>
    spawnSync(python(), args, { cwd, env: torchEnv(), encoding: "utf8", timeout: 300_000 });

  it("compiles, and model.py checks its parameter count against resnetc's", () => {
    expect(py(["-m", "py_compile", "model.py", "train.py", "launch.py"]).status).toBe(0);
    const r = py(["model.py"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("trainable parameters: 75,002 (resnetc: 75,002); input (1, 28, 28)");
    const m = py([
      "-c",
      "from model import build_model; net = build_model(); print(net.training, type(net).__name__)",
    ]);
    expect(m.stdout.trim()).toBe("False MnistResnet");
    // resnetc export's state dict (of the tfjs build above) loads with every tensor in place.
    const tfjs = join(dir, "tfjs.safetensors");
    const e = py(["-c", `from model import build_model; build_model('${tfjs}'); print('ok')`]);
    expect([e.stderr, e.stdout.trim()]).toEqual(["", "ok"]);
  });

  it("reads the exported digits as resnetc reads its MNIST: the same pixels and labels, in order", async () => {
    const code = [
      "import sys, json",
      "sys.path.insert(0, '.'); sys.argv = ['train.py']",
      "import train",
      `tr, te, classes = train.open_data('folder:${join(dir, "digits")}')`,
      "items = [tr[i] for i in range(len(tr))]",
      `open('${join(dir, "pixels.bin")}', 'wb').write(b''.join(x.numpy().tobytes() for x, _, _ in items))`,
      "print(json.dumps({'classes': classes, 'labels': [y for _, y, _ in items], 'test': len(te)}))",
    ].join("\n");
    const r = py(["-c", code]);
    expect(r.stderr).toBe("");
    const got = JSON.parse(r.stdout) as { classes: string[]; labels: number[]; test: number };
    const mnist = await openMnist();
    const pixels = new Uint8Array(mnist.train.size * 784);
    const labels: number[] = [];
    const opts = { batchSize: 1000, shuffle: false, augment: null, rng: new Rng(1), mean: null };
    for await (const b of mnist.train.batches(opts)) {
      pixels.set(
        Uint8Array.from(b.x, (v) => Math.round(v * 255)),
        labels.length * 784,
      );
      labels.push(...b.y);
    }
    expect([got.classes, got.test]).toEqual([mnist.classes, mnist.test.size]);
    expect(got.labels).toEqual(labels);
    expect(Buffer.compare(readFileSync(join(dir, "pixels.bin")), Buffer.from(pixels))).toBe(0);
  });

  it("trains on 2 processes, is killed mid-epoch, resumes from its checkpoint; resnetc plot reads it", async () => {
    const run = join(dir, "run");
    const args = [
      "launch.py",
      "--nproc_per_node=2",
      "train.py",
      "--data",
      `folder:${join(dir, "digits")}`,
      "--out",
      run,
      "--iterations",
      "40",
      "--checkpoint-every",
      "10",
      "--progress",
      "lines",
    ];
    const first = await runUntil(args, join(dir, "mn"), /checkpoint at iteration 20/);
    const saved = [...first.matchAll(/checkpoint at iteration (\d+)/g)].map((m) => Number(m[1]));
    expect(saved.at(-1)).toBeGreaterThanOrEqual(20);
    expect(saved.at(-1)).toBeLessThan(40);
    expect(readFileSync(join(run, "metrics.jsonl"), "utf8")).toBe(""); // killed before the epoch's end
    const firstLoss = Number(/iter 14 +loss ([\d.]+)/.exec(first)![1]);

    const second = py([...args, "--resume"]);
    expect(second.stderr).not.toContain("Traceback");
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(
      `Resuming from ${join(run, "checkpoint", "checkpoint.pt")}: epoch 1 (from batch ${saved.at(-1)! + 1} of 141), iteration ${saved.at(-1)}`,
    );
    const lines = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n");
    expect(lines.length).toBe(1);
    const m = JSON.parse(lines[0]!) as Record<string, number>;
    expect(Object.keys(m)).toEqual([
      "epoch",
      "iteration",
      "lr",
      "trainLoss",
      "trainError",
      "testLoss",
      "testTop1Error",
      "testTop5Error",
      "imagesPerSec",
      "seconds",
    ]);
    expect([m.epoch, m.iteration, m.lr]).toEqual([1, 40, 0.1]);
    // The loss falls: the mean over all 40 steps is below the mean of the first 14.
    expect(firstLoss).toBeGreaterThan(2);
    expect(m.trainLoss).toBeLessThan(firstLoss - 0.2);
    expect(existsSync(join(run, "model", "weights.safetensors"))).toBe(true);

    // The trained weights import back into resnetc (strict: every tensor named and shaped).
    const back = resnetc([
      "eval",
      "examples/mnist/resnet.resnet",
      "--weights",
      join(run, "model", "weights.safetensors"),
      "--data",
      "mnist",
    ]);
    expect(back.stderr).not.toContain("error:");
    expect(back.code).toBe(0);
    expect(back.stdout).toContain("mnist test (1000 examples): top-1 error");
    // With the run's own per-pixel mean (beside the weights), resnetc's test error is train.py's.
    expect(back.stderr).toContain("preprocessing: the per-pixel mean beside the weights");
    const ours = Number(/top-1 error ([\d.]+)%/.exec(back.stdout)?.[1]) / 100;
    expect(Math.abs(ours - m.testTop1Error!)).toBeLessThanOrEqual(0.003);

    const plot = resnetc(["plot", run, "-o", join(dir, "chart.svg")]);
    expect(plot.code).toBe(0);
    expect(readFileSync(join(dir, "chart.svg"), "utf8")).toContain("<svg");
  });
});

/** Runs `python args` in its own process group and kills the group (SIGKILL) once `until` shows. */
function runUntil(args: string[], cwd: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python(), args, { cwd, env: torchEnv(), detached: true });
    let out = "";
    let killed = false;
    const onData = (b: Buffer) => {
      out += b.toString();
      if (!killed && until.test(out)) {
        killed = true;
        process.kill(-child.pid!, "SIGKILL");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", () =>
      killed ? resolve(out) : reject(new Error(`never saw ${until}:\n${out}`)),
    );
  });
}
