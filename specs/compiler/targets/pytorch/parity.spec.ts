// The PyTorch target against the tfjs target and torchvision, for every example: model.py's
// trainable parameters equal resnetc's analysis (every variant); its state-dict names are exactly
// the torchvision names of runtime/io/torchvision.ts; torchvision's resnet18/34 (the paper's) and
// resnet50/101/152 (v1.5) load into it and back with strict=True; and, given the same weights
// (He initialisation plus random batch-norm statistics and affine parameters, so that a mix-up of
// BN tensors shows), the eval-mode log-probabilities equal the tfjs graph's within 1e-4 relative.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../../../compiler/check.js";
import { analyze } from "../../../../compiler/ir/analysis.js";
import type { IrGraph, WeightTensor } from "../../../../compiler/ir/types.js";
import { pytorchFiles } from "../../../../compiler/targets/pytorch/index.js";
import { LOGITS_LAYER, lower } from "../../../../compiler/targets/tfjs/lower.js";
import { selectBackend } from "../../../../runtime/backends/select.js";
import { modelWeights } from "../../../../runtime/io/model-weights.js";
import { encodeSafetensors } from "../../../../runtime/io/safetensors.js";
import { torchStateDict, torchTensorSpecs } from "../../../../runtime/io/torchvision.js";
import { python, skipWithoutTorch, torchEnv } from "./python.js";

// PARITY_ONLY=a.resnet,b.resnet checks only those (debugging; the counts below then fail).
const EXAMPLES = process.env.PARITY_ONLY?.split(",") ?? [
  "examples/mnist/resnet.resnet",
  "examples/cifar/resnet.resnet",
  "examples/cifar/plain.resnet",
  "examples/cifar/resnet110.resnet",
  "examples/degradation/resnet.resnet",
  "examples/degradation/plain.resnet",
  "examples/imagenet/resnet.resnet",
  "examples/imagenet/resnet-v15.resnet",
  "examples/imagenet/plain.resnet",
  "examples/imagenet/preact.resnet",
  "examples/imagenet/shortcuts.resnet",
  // The family at digit size: grouped, dilated, SE, option D, dropout and drop path.
  "examples/family/digits.resnet",
  // A deep stem, uneven padding, pools of every kind, a pool inside a block, a vector batch norm.
  "specs/compiler/targets/pytorch/fixtures/odd.resnet",
];
/** torchvision's model for a resnetc network, where one is the same network. */
const TORCHVISION: Record<string, string> = {
  "resnet 18": "resnet18",
  "resnet 34": "resnet34",
  "resnet_v15 50": "resnet50",
  "resnet_v15 101": "resnet101",
  "resnet_v15 152": "resnet152",
};
/** Besides the smallest network of each example, the log-probabilities of these. */
const ALSO_LOGPROBS = new Set([
  "resnet 50",
  "preact_resnet 50",
  "resnet34_c 34",
  "odd_deep",
  "resnext_digits",
  "wide_digits",
  "se_digits",
  "resnet_d_digits",
  "dilated_digits",
]);

interface Case {
  title: string;
  graph: IrGraph;
  dir: string;
  logprobs: boolean;
  torchvision?: string;
  expected?: Float64Array;
}

interface Result {
  params: number;
  keys: string[];
  torchvision?: string;
}

const title = (g: IrGraph) => (g.variant === null ? g.name : `${g.name} ${g.variant}`);
let root = "";
const cases: Case[] = [];
let results: Result[] = [];

beforeAll(async () => {
  if (skipWithoutTorch) return;
  tf.env().set("PROD", true);
  await selectBackend("wasm", { env: {} });
  root = mkdtempSync(join(tmpdir(), "resnetc-pytorch-"));
  for (const file of EXAMPLES) {
    const r = checkFile(file, {}, { verify: true });
    expect(r.ok, file).toBe(true);
    const smallest = r.graphs.reduce((a, b) => (analyze(b).params < analyze(a).params ? b : a));
    for (const g of r.graphs) {
      const dir = join(root, String(cases.length));
      mkdirSync(dir);
      for (const [name, text] of pytorchFiles(g, r.recipes.get(g)!, {
        specPath: file,
        weights: "test",
      }))
        writeFileSync(join(dir, name), text);
      const logprobs = smallest === g || ALSO_LOGPROBS.has(title(g));
      const c: Case = { title: `${file}: ${title(g)}`, graph: g, dir, logprobs };
      if (TORCHVISION[title(g)] && file.endsWith(g.name.replace("_", "-") + ".resnet"))
        c.torchvision = TORCHVISION[title(g)];
      if (logprobs) c.expected = await tfjsLogProbs(g, dir);
      cases.push(c);
    }
  }
  const list = cases.map((c) => ({ dir: c.dir, logprobs: c.logprobs, torchvision: c.torchvision }));
  writeFileSync(join(root, "cases.json"), JSON.stringify(list));
  const p = spawnSync(
    python(),
    [join(import.meta.dirname, "run_cases.py"), join(root, "cases.json")],
    {
      encoding: "utf8",
      env: torchEnv(),
      maxBuffer: 1 << 28,
    },
  );
  if (p.status !== 0) throw new Error(`run_cases.py failed:\n${p.stderr}`);
  results = JSON.parse(p.stdout) as Result[];
}, 600_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Builds the tfjs model with random BN tensors, writes the weights and input; returns log-probs. */
async function tfjsLogProbs(g0: IrGraph, dir: string): Promise<Float64Array> {
  const built = lower(g0, { seed: 3 });
  const weights = perturbBatchNorm(g0, await modelWeights(g0, built));
  built.dispose();
  const g: IrGraph = { ...g0, weights };
  const model = lower(g, { seed: 3 });
  writeFileSync(join(dir, "weights.safetensors"), encodeSafetensors(torchStateDict(g, weights)));
  const [h, w, c] = g.input;
  const x = gaussian(h * w * c, 11);
  const nchw = new Float32Array(x.length);
  for (let y = 0; y < h; y++)
    for (let i = 0; i < w; i++)
      for (let k = 0; k < c; k++) nchw[(k * h + y) * w + i] = x[(y * w + i) * c + k]!;
  writeFileSync(join(dir, "input.bin"), new Uint8Array(nchw.buffer));
  const logits = tfl.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output });
  const out = tf.tidy(() => (logits.predict(tf.tensor4d(x, [1, h, w, c])) as tf.Tensor).dataSync());
  model.dispose();
  const z = Float64Array.from(out);
  const max = Math.max(...z);
  const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
  return z.map((v) => v - lse);
}

/** gamma, variance in [0.5, 1.5), beta, mean in [-0.5, 0.5): every BN tensor differs from the rest. */
function perturbBatchNorm(g: IrGraph, ws: Map<string, WeightTensor>): Map<string, WeightTensor> {
  const out = new Map(ws);
  let seed = 5;
  for (const n of g.nodes) {
    if (n.op !== "bn") continue;
    for (const [slot, base] of [
      ["gamma", 0.5],
      ["beta", -0.5],
      ["mean", -0.5],
      ["variance", 0.5],
    ] as const) {
      const key = `${n.name}.${slot}`;
      const t = ws.get(key)!;
      out.set(key, { shape: t.shape, data: uniform(t.data.length, seed++).map((u) => base + u) });
    }
  }
  return out;
}

function uniform(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  });
}

function gaussian(n: number, seed: number): Float32Array {
  const u = uniform(2 * n, seed);
  return Float32Array.from({ length: n }, (_, i) => {
    const a = Math.max(u[2 * i]!, 1e-12);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u[2 * i + 1]!);
  });
}

/** Largest |a - b| / max(1, |a|): relative, with a floor for log-probabilities near 0. */
function worstRelative(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!)));
  return worst;
}

describe.skipIf(skipWithoutTorch)("model.py against resnetc and torchvision", () => {
  it("covers every network of every example", () => {
    expect(cases.length).toBeGreaterThan(30);
    expect(results.length).toBe(cases.length);
    expect(cases.filter((c) => c.torchvision).map((c) => c.torchvision)).toEqual([
      "resnet18",
      "resnet34",
      "resnet50",
      "resnet101",
      "resnet152",
    ]);
  });

  it("has resnetc's trainable parameters for every variant", () => {
    const got = cases.map((c, i) => [c.title, results[i]!.params]);
    expect(got).toEqual(cases.map((c) => [c.title, analyze(c.graph).params]));
  });

  it("names its tensors as runtime/io/torchvision.ts does (num_batches_tracked aside)", () => {
    for (const [i, c] of cases.entries()) {
      const keys = results[i]!.keys.filter((k) => !k.endsWith(".num_batches_tracked"));
      expect([c.title, ...keys]).toEqual([
        c.title,
        ...torchTensorSpecs(c.graph).map((s) => s.torchName),
      ]);
    }
  });

  it("loads torchvision's resnet18/34/50/101/152 with strict=True and back", () => {
    const loaded = cases.flatMap((c, i) => (c.torchvision ? [results[i]!.torchvision] : []));
    expect(loaded).toEqual(["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]);
  });

  it("gives the tfjs graph's log-probabilities within 1e-4 relative (eval mode, same weights)", () => {
    const checked = cases.filter((c) => c.logprobs);
    const worst = checked.map((c) => {
      const bytes = readFileSync(join(c.dir, "logprobs.bin"));
      const got = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
      expect(got.length, c.title).toBe(c.expected!.length);
      return [c.title, worstRelative(c.expected!, got)] as const;
    });
    expect(worst.filter(([, w]) => !(w <= 1e-4))).toEqual([]);
    // Every file's smallest network, and the named ones (one digits model is both).
    expect(checked.length).toBe(EXAMPLES.length + ALSO_LOGPROBS.size - 1);
    expect(checked.map((c) => c.title)).toContain("examples/family/digits.resnet: se_digits");
  });
});
