// fold-batchnorm: conv + BN becomes one conv with a bias computing the same function (evaluation
// mode); the pass leaves its input untouched, skips pairs without bound weights, and the driver
// verifies the graph after it.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { analyze } from "../../../compiler/ir/analysis.js";
import { torchNames } from "../../../compiler/ir/torch-names.js";
import { weightKey, type IrGraph } from "../../../compiler/ir/types.js";
import { weightShape } from "../../../compiler/ir/verify.js";
import { foldBatchNorm } from "../../../compiler/passes/fold-batchnorm.js";
import { INFERENCE_PASSES, runPasses } from "../../../compiler/passes/index.js";
import { lower } from "../../../compiler/targets/tfjs/lower.js";

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("cpu");
});

/** The CIFAR ResNet-20 with every conv, BN and fc weight bound (BN statistics non-trivial). */
function bound(): IrGraph {
  const g = checkFile("examples/cifar/resnet.resnet", { variant: "20" }).graphs[0]!;
  let k = 0;
  const weights = new Map();
  for (const id of torchNames(g).keys()) {
    const n = g.nodes[id]!;
    const slots =
      n.op === "bn"
        ? ["gamma", "beta", "mean", "variance"]
        : n.op === "fc"
          ? ["kernel", "bias"]
          : ["kernel"];
    for (const s of slots) {
      const shape = weightShape(g, n, s);
      const size = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: size }, () => {
        const v = Math.sin(++k * 0.731);
        return s === "variance" || s === "gamma"
          ? 0.6 + 0.5 * v
          : s === "kernel"
            ? 0.3 * v
            : 0.2 * v;
      });
      weights.set(weightKey(n, s as "kernel"), { shape, data });
    }
  }
  return { ...g, weights };
}

async function predict(g: IrGraph, x: tf.Tensor): Promise<Float32Array> {
  const m = lower({ ...g, output: g.logits });
  return (await (m.predict(x) as tf.Tensor).data()) as Float32Array;
}

describe("fold-batchnorm", () => {
  const g = bound();
  const folded = runPasses(g, [foldBatchNorm], { verify: true });

  it("removes every BN that follows a conv (all 19 main-path BNs and the 2 projections' have none: option A)", () => {
    const bns = (x: IrGraph) => x.nodes.filter((n) => n.op === "bn").length;
    expect(bns(g)).toBe(19);
    expect(bns(folded)).toBe(0);
    expect(folded.nodes.length).toBe(g.nodes.length - 19);
    expect(folded.nodes.filter((n) => n.op === "conv" && n.bias).length).toBe(19);
    expect([...folded.weights.keys()].some((k) => /gamma|beta|mean|variance/.test(k))).toBe(false);
  });

  it("keeps parameters as conv biases: 2 x 19 BN params become 19 biases", () => {
    const before = analyze(g);
    const after = analyze(folded);
    const bnParams = g.nodes.filter((n) => n.op === "bn").reduce((s, n) => s + 2 * n.shape[2]!, 0);
    expect(after.params).toBe(before.params - bnParams / 2);
    expect(after.state).toBe(0);
    expect(after.multiplyAdds).toBe(before.multiplyAdds);
  });

  it("computes the same logits (evaluation mode) within 1e-5 relative", async () => {
    const x = tf.tensor(
      Float32Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => Math.cos(i * 0.3)),
      [2, 32, 32, 3],
    );
    const a = await predict(g, x);
    const b = await predict(folded, x);
    const scale = Math.max(...a.map(Math.abs));
    a.forEach((v, i) => expect(Math.abs(v - b[i]!) / scale).toBeLessThan(1e-5));
  });

  it("leaves its input alone and skips pairs without weights", () => {
    expect(g.nodes.filter((n) => n.op === "bn").length).toBe(19);
    const unbound = { ...g, weights: new Map() };
    expect(foldBatchNorm.run(unbound).nodes.length).toBe(g.nodes.length);
  });

  it("is in the inference pass list", () => {
    expect(INFERENCE_PASSES.map((p) => p.name)).toContain("fold-batchnorm");
  });
});
