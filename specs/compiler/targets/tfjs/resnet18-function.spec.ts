// The paper's function, end to end: examples/imagenet/resnet.resnet at depth 18, given conv, BN and
// fc weights by their torchvision names, computes what torchvision's resnet18 computes. The
// reference is written here by hand from torchvision's models/resnet.py (BasicBlock, layers
// [2, 2, 2, 2], a 1x1 stride-2 projection where the shape changes) over plain loops
// (specs/compiler/reference.ts): no resnetc and no tfjs code in it.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../../../compiler/check.js";
import { samePads } from "../../../../compiler/ir/padding.js";
import { torchNames } from "../../../../compiler/ir/torch-names.js";
import { weightKey, type IrGraph, type WeightTensor } from "../../../../compiler/ir/types.js";
import { weightShape } from "../../../../compiler/ir/verify.js";
import { lower } from "../../../../compiler/targets/tfjs/lower.js";
import * as ref from "../../reference.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

/** A small deterministic generator (not resnetc's). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** torchvision name -> tensor in the IR's layout (conv HWIO, fc [in, out]), BN statistics non-trivial. */
function weightsFor(g: IrGraph): Map<string, WeightTensor> {
  const rnd = random(7);
  const byTorch = new Map<string, WeightTensor>();
  for (const [id, torch] of torchNames(g)) {
    const n = g.nodes[id]!;
    const slots = n.op === "bn" ? ["gamma", "beta", "mean", "variance"] : ["kernel", "bias"];
    for (const slot of slots) {
      if (n.op === "conv" && slot === "bias") continue;
      const shape = weightShape(g, n, slot);
      const size = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length > 1 ? size / shape[shape.length - 1]! : 1;
      const f: () => number =
        slot === "kernel"
          ? () => (rnd() - 0.5) * Math.sqrt(24 / fanIn)
          : slot === "gamma"
            ? () => 0.5 + rnd()
            : slot === "variance"
              ? () => 0.5 + rnd()
              : () => (rnd() - 0.5) * 0.4;
      byTorch.set(`${torch}.${slot}`, { shape, data: Float32Array.from({ length: size }, f) });
    }
  }
  return byTorch;
}

function bind(g: IrGraph, byTorch: Map<string, WeightTensor>): IrGraph {
  const weights = new Map<string, WeightTensor>();
  for (const [id, torch] of torchNames(g))
    for (const [k, t] of byTorch)
      if (k.startsWith(`${torch}.`))
        weights.set(weightKey(g.nodes[id]!, k.slice(torch.length + 1) as "kernel"), t);
  return { ...g, weights };
}

/** torchvision's resnet18 forward (eval mode) over the reference ops. */
function torchvisionResnet18(x: ref.Map3, w: Map<string, WeightTensor>): Float64Array {
  const t = (k: string) => w.get(k)!.data;
  const conv = (m: ref.Map3, name: string, stride: number, pad: number) => {
    const [kh, kw, , cout] = w.get(`${name}.kernel`)!.shape as number[];
    return ref.conv(m, t(`${name}.kernel`), kh!, kw!, cout!, stride, ref.sym(pad));
  };
  const bn = (m: ref.Map3, name: string) =>
    ref.bn(m, {
      gamma: t(`${name}.gamma`),
      beta: t(`${name}.beta`),
      mean: t(`${name}.mean`),
      variance: t(`${name}.variance`),
    });
  let y = ref.relu(bn(conv(x, "conv1", 2, 3), "bn1"));
  y = ref.maxpool(y, 3, 2, ref.sym(1));
  for (let i = 1; i <= 4; i++)
    for (let j = 0; j < 2; j++) {
      const p = `layer${i}.${j}`;
      const stride = i > 1 && j === 0 ? 2 : 1;
      let out = ref.relu(bn(conv(y, `${p}.conv1`, stride, 1), `${p}.bn1`));
      out = bn(conv(out, `${p}.conv2`, 1, 1), `${p}.bn2`);
      const identity = w.has(`${p}.downsample.0.kernel`)
        ? bn(conv(y, `${p}.downsample.0`, stride, 0), `${p}.downsample.1`)
        : y;
      y = ref.relu(ref.add(out, identity));
    }
  return ref.fc(ref.globalAvg(y), t("fc.kernel"), t("fc.bias"));
}

async function logits(g: IrGraph, x: Float32Array): Promise<Float64Array> {
  const m = lower({ ...g, output: g.logits });
  const y = m.predict(tf.tensor(x, [1, ...g.input])) as tf.Tensor;
  const out = Float64Array.from(await y.data());
  m.dispose();
  return out;
}

const relErr = (a: Float64Array, b: Float64Array) => {
  let num = 0;
  let den = 0;
  a.forEach((v, i) => {
    num = Math.max(num, Math.abs(v - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  });
  return num / den;
};

describe("ResNet-18 computes torchvision's resnet18", () => {
  const r = checkFile("examples/imagenet/resnet.resnet", { variant: "18" }, { verify: true });
  const g = r.graphs[0]!;
  const byTorch = weightsFor(g);
  const size = 224 * 224 * 3;
  const rnd = random(3);
  const input = Float32Array.from({ length: size }, () => rnd() * 2 - 1);
  const x = ref.map3(224, 224, 3, (y, xx, c) => input[(y * 224 + xx) * 3 + c]!);
  let want: Float64Array;

  it("torchvision's 102 tensors (num_batches_tracked aside) by name, every one bound to a node", () => {
    expect(r.ok).toBe(true);
    // conv1, bn1 (4), 16 convs + 16 BNs (4 each) in blocks, 3 projections + BNs, fc (2)
    expect(byTorch.size).toBe(1 + 4 + 16 * 5 + 3 * 5 + 2);
    expect(bind(g, byTorch).weights.size).toBe(byTorch.size);
    want = torchvisionResnet18(x, byTorch);
    expect(want.length).toBe(1000);
  });

  it("the same logits within 1e-4 relative", async () => {
    const got = await logits(bind(g, byTorch), input);
    expect(relErr(got, want)).toBeLessThan(1e-4);
  });

  it("TensorFlow's same padding at stride 2 would not (the old lowering)", async () => {
    const tfSame: IrGraph = {
      ...g,
      nodes: g.nodes.map((n) => {
        if (n.op !== "conv" && n.op !== "maxpool") return n;
        const inp = g.nodes[n.inputs[0]!]!.shape;
        const k = n.op === "conv" ? n.kernel : n.pool;
        return { ...n, pad: samePads(inp[0]!, inp[1]!, k, n.stride) };
      }),
    };
    const got = await logits(bind(tfSame, byTorch), input);
    expect(relErr(got, want)).toBeGreaterThan(1e-2);
  });
});
