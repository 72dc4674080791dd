// `resnetc build`, `train`, `eval`, `predict` through the built binary, on the bundled MNIST digits
// with a tiny net and a few iterations: the files a user gets, exit codes, Ctrl-C and --resume.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, noStack, resnetc } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "resnetc-train-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TINY = `model tiny {
  input 28x28x1
  shortcut A
  stem conv1 { conv 3x3, 4, stride 2 }
  stages s1..s2 basic x [1, 1] widths [4, 8] strides [1, 2]
  head { global avgpool; fc 10; softmax }
  train {
    data mnist
    batch 32
    lr 0.05
    epochs 1
  }
}
`;
const spec = join(tmp, "tiny.resnet");
writeFileSync(spec, TINY);
const env = { RESNETC_BACKEND: "wasm" };

describe("resnetc build", () => {
  it("writes model.json + weights.bin loadable by tfjs, and says what it wrote", () => {
    const out = join(tmp, "built");
    const r = resnetc(["build", spec, "-o", out], { env });
    expect(r.stderr).toContain("backend wasm");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("built tiny: 1,334 params, 105,920 multiply-adds");
    expect(r.stdout).toMatch(/wrote .*model\.json \(\d[\d,]* bytes\)/);
    const json = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["weights.bin"]);
    // Standard tfjs layers only: option A is a 1x1 average pool plus a zero padding of channels.
    const classes = new Set(
      (json.modelTopology.config.layers as { class_name: string }[]).map((l) => l.class_name),
    );
    expect([...classes].sort()).toEqual([
      "Add",
      "AveragePooling2D",
      "BatchNormalization",
      "Conv2D",
      "Dense",
      "GlobalAveragePooling2D",
      "InputLayer",
      "ReLU",
      "Softmax",
      "ZeroPadding2D",
    ]);
  });

  it("needs one network: a family asks for --variant (exit 2)", () => {
    const r = resnetc(["build", "examples/cifar/resnet.resnet", "-o", join(tmp, "x")], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "build needs one network, but the spec describes 6: cifar_resnet 20, cifar_resnet 32",
    );
    expect(r.stderr).toContain("hint: pick one with --variant");
  });
});

describe("resnetc train / eval / predict", () => {
  const run = join(tmp, "run");

  it("trains a few iterations and writes metrics, checkpoint and model", () => {
    const r = resnetc(["train", spec, "--iterations", "4", "--out", run, "--progress", "lines"], {
      env,
    });
    expect(noStack(r)).toBe(true);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("model tiny:");
    expect(r.stderr).toContain("data mnist: 9,000 training and 1,000 test examples, 10 classes");
    expect(r.stdout).toMatch(
      /^trained tiny for 1 epochs \(4 iterations\): test top-1 error \d+\.\d\d%, top-5 \d+\.\d\d%; model in .*run\/model$/m,
    );
    for (const f of [
      "metrics.jsonl",
      "mean.json",
      "checkpoint/checkpoint.json",
      "model/model.json",
      "model/weights.bin",
      "model/spec.resnet",
      "model/classes.json",
      "model/mean.json",
    ]) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    const lines = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ epoch: 1, iteration: 4 });
    expect(readFileSync(join(run, "model/spec.resnet"), "utf8")).toBe(TINY);
  });

  it("eval reports the trained model's errors", () => {
    const r = resnetc(["eval", spec, "--model", join(run, "model")], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^mnist test \(1000 examples\): top-1 error \d+\.\d\d%, top-5 error \d+\.\d\d%, loss \d+\.\d{4}$/m,
    );
  });

  it("predict classifies image files", async () => {
    const img = join(tmp, "digit.png");
    await sharp(Buffer.alloc(28 * 28, 128), { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(img);
    const r = resnetc(["predict", "--model", join(run, "model"), img, "--top", "2", "--json"], {
      env,
    });
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p[0].file).toBe(img);
    expect(p[0].top).toHaveLength(2);
    expect(p[0].top[0].probability).toBeGreaterThanOrEqual(p[0].top[1].probability);
  });

  it("a missing model directory is a clear error (exit 1)", () => {
    const r = resnetc(["eval", spec, "--model", join(tmp, "nope")], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`resnetc: no model in '${join(tmp, "nope")}'`);
    expect(noStack(r)).toBe(true);
  });

  it("--resume without a checkpoint names the path (exit 1)", () => {
    const r = resnetc(
      ["train", spec, "--iterations", "2", "--out", join(tmp, "fresh"), "--resume"],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot resume: there is no checkpoint at");
    expect(noStack(r)).toBe(true);
  });

  it("bad data: a CIFAR directory that is not one names the path (exit 1)", () => {
    const r = resnetc(
      [
        "train",
        spec,
        "--data",
        `cifar10:${tmp}/missing`,
        "--iterations",
        "1",
        "--out",
        join(tmp, "bad"),
      ],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${tmp}/missing`);
    expect(noStack(r)).toBe(true);
    expect(existsSync(join(tmp, "bad", "model"))).toBe(false);
  });

  it("the model's input must match the data", () => {
    const r = resnetc(
      [
        "train",
        "examples/cifar/resnet.resnet",
        "--variant",
        "20",
        "--data",
        "mnist",
        "--iterations",
        "1",
        "--out",
        join(tmp, "mismatch"),
      ],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "resnetc: the model's input is 32x32x3 but mnist gives 28x28x1 examples",
    );
  });

  it("refuses a batch that cannot fit in the wasm heap, naming one that fits", () => {
    const r = resnetc(
      [
        "train",
        "examples/imagenet/resnet.resnet",
        "--variant",
        "50",
        "--data",
        "mnist",
        "--batch-size",
        "256",
        "--out",
        join(tmp, "big"),
      ],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /resnetc: resnet 50 at batch 256 \(128 per worker\) needs about [\d.]+ GiB for a training step, more than the wasm backend's 4\.0 GiB\n {2}hint: use --batch-size \d+ or smaller/,
    );
  });

  it("splits batches over worker threads and says so; --workers 1 trains on one thread", () => {
    const two = resnetc(
      [
        "train",
        spec,
        "--iterations",
        "2",
        "--workers",
        "2",
        "--out",
        join(tmp, "w2"),
        "--progress",
        "none",
      ],
      { env },
    );
    expect(two.code).toBe(0);
    expect(two.stderr).toContain(
      "workers 2: each batch of 32 split 16 + 16 over this thread and 1 worker thread (batch norm per share; --workers 1 for one thread)",
    );
    const one = resnetc(
      [
        "train",
        spec,
        "--iterations",
        "2",
        "--workers",
        "1",
        "--out",
        join(tmp, "w1"),
        "--progress",
        "none",
      ],
      { env },
    );
    expect(one.code).toBe(0);
    expect(one.stderr).not.toContain("workers");
    expect(JSON.parse(readFileSync(join(tmp, "w1/model/resnetc.json"), "utf8")).workers).toBe(1);
    expect(JSON.parse(readFileSync(join(tmp, "w2/model/resnetc.json"), "utf8")).workers).toBe(2);
  });

  it("--workers is checked: a whole number, at most the batch, only on wasm and cpu (exit 2)", () => {
    for (const [args, message] of [
      [["--workers", "0"], "resnetc: --workers must be auto or a positive whole number, got '0'"],
      [["--workers", "64"], "resnetc: --workers 64 is more than the batch size 32"],
    ] as const) {
      const r = resnetc(["train", spec, ...args, "--out", join(tmp, "bad")], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});

describe("Ctrl-C during training", () => {
  it("writes a checkpoint, exits 130, and --resume finishes the run", async () => {
    const out = join(tmp, "interrupted");
    const child = spawn(
      process.execPath,
      [BIN, "train", spec, "--epochs", "30", "--out", out, "--progress", "lines"],
      {
        env: { ...process.env, ...env, NO_COLOR: "1" },
      },
    );
    let stderr = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        // Interrupt once training has started.
        if (stderr.includes("data mnist:") && !child.killed)
          setTimeout(() => child.kill("SIGINT"), 1500);
      });
      child.on("exit", (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stderr).toContain("Checkpoint written to");
    expect(stderr).toContain("--resume");
    expect(existsSync(join(out, "checkpoint", "checkpoint.json"))).toBe(true);
    expect(existsSync(join(out, "model"))).toBe(false);
    const ckpt = JSON.parse(readFileSync(join(out, "checkpoint", "checkpoint.json"), "utf8")) as {
      iteration: number;
    };
    expect(ckpt.iteration).toBeGreaterThan(0);
    // Resume, and stop a few iterations later.
    const r = resnetc(
      [
        "train",
        spec,
        "--epochs",
        "30",
        "--iterations",
        String(ckpt.iteration + 3),
        "--out",
        out,
        "--resume",
        "--progress",
        "none",
      ],
      { env },
    );
    expect(r.stderr).toContain(`iteration ${ckpt.iteration}`);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, "model", "model.json"))).toBe(true);
  });
});
