// torchvision's state dicts in and out: resnetc's networks compute PyTorch's logits from PyTorch's
// weights (both file formats), export writes them back bit for bit, the names of the real torchvision
// ResNets come out of the spec's structure, and every mismatch is reported at once.
import { readFileSync } from "node:fs";

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { checkFile } from "../../../compiler/check.js";
import type { IrGraph } from "../../../compiler/ir/types.js";
import { lower } from "../../../compiler/targets/tfjs/lower.js";
import { modelWeights } from "../../../runtime/io/model-weights.js";
import { readSafetensors } from "../../../runtime/io/safetensors.js";
import {
  WeightsMismatchError,
  bindTorchWeights,
  torchStateDict,
  torchTensorSpecs,
  withClasses,
} from "../../../runtime/io/torchvision.js";
import type { TensorMap } from "../../../runtime/io/tensors.js";
import { readWeightsFile } from "../../../runtime/io/weights-file.js";
import { useCpu } from "../train/helpers.js";
import { bytesOf, fixture } from "./weights-helpers.js";

beforeAll(useCpu);

function graphOf(file: string, variant?: string): IrGraph {
  const r = checkFile(file, variant === undefined ? {} : { variant });
  expect(r.diagnostics).toEqual([]);
  return r.graphs[0]!;
}

/** NCHW -> NHWC */
function nhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++)
    for (let k = 0; k < c!; k++)
      for (let y = 0; y < h!; y++)
        for (let z = 0; z < w!; z++)
          out[((b * h! + y) * w! + z) * c! + k] = x[((b * c! + k) * h! + y) * w! + z]!;
  return out;
}

async function logits(g: IrGraph, expected: TensorMap): Promise<Float32Array> {
  const input = expected.get("input")!;
  const model = lower(g);
  const [n, , h, w] = input.shape;
  const x = tf.tensor4d(nhwc(input.data, input.shape), [n!, h!, w!, input.shape[1]!]);
  const y = model.predict(x) as tf.Tensor;
  const out = Float32Array.from(await y.data());
  tf.dispose([x, y]);
  return out;
}

function maxRelative(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!) / scale));
}

describe("torchvision weights", () => {
  for (const net of ["basic", "bottleneck"]) {
    for (const format of ["safetensors", "pth"]) {
      it(`${net}.${format}: resnetc's logits are PyTorch's within 1e-4 relative`, async () => {
        const g = graphOf(fixture(`${net}.resnet`));
        const { tensors } = await readWeightsFile(fixture(`${net}.${format}`));
        const bound = bindTorchWeights(g, tensors, `${net}.${format}`);
        const expected = await readSafetensors(fixture(`${net}.expected.safetensors`));
        const want = expected.get("logits")!.data;
        const got = await logits(bound, expected);
        expect(got.length).toBe(want.length);
        expect(maxRelative(got, want)).toBeLessThan(1e-4);
        // The same net without the weights computes something else entirely.
        expect(maxRelative(await logits(g, expected), want)).toBeGreaterThan(0.1);
      });
    }

    it(`${net}: export after import gives the file's tensors back bit for bit, in torchvision's order`, async () => {
      const g = graphOf(fixture(`${net}.resnet`));
      const original = await readSafetensors(fixture(`${net}.safetensors`));
      const model = lower(bindTorchWeights(g, original, net));
      const out = torchStateDict(g, await modelWeights(g, model));
      expect(out.map((t) => t.name)).toEqual([...original.keys()]);
      for (const t of out) {
        const o = original.get(t.name)!;
        expect(t.shape, t.name).toEqual(o.shape);
        expect(t.dtype, t.name).toBe(o.dtype);
        if (t.name.endsWith("num_batches_tracked")) continue;
        expect(bytesOf(t.data).equals(bytesOf(o.data)), t.name).toBe(true);
      }
    });
  }

  it("names every tensor of torchvision's resnet18/34/50/101/152 exactly, with its shape, from the examples' structure", () => {
    const names = JSON.parse(readFileSync(fixture("names.json"), "utf8")) as Record<
      string,
      Record<string, number[]>
    >;
    const specs: Record<string, string> = {
      "18": "examples/imagenet/resnet.resnet",
      "34": "examples/imagenet/resnet.resnet",
      "50": "examples/imagenet/resnet-v15.resnet",
      "101": "examples/imagenet/resnet-v15.resnet",
      "152": "examples/imagenet/resnet-v15.resnet",
    };
    for (const [depth, file] of Object.entries(specs)) {
      const torch = Object.entries(names[depth]!).filter(
        ([k]) => !k.endsWith("num_batches_tracked"),
      );
      const ours = torchTensorSpecs(graphOf(file, depth)).map((s) => [s.torchName, s.shape]);
      expect(ours, `resnet${depth}`).toEqual(torch);
    }
  });

  it("reports every missing, unexpected and mis-shaped tensor at once, naming the resnetc layer and the spec line", async () => {
    const g = graphOf(fixture("basic.resnet"));
    const t = new Map((await readSafetensors(fixture("basic.safetensors"))).entries());
    t.delete("layer1.0.bn1.running_var");
    t.delete("conv1.weight");
    t.set("layer5.0.conv1.weight", { dtype: "F32", shape: [2], data: new Float32Array(2) });
    t.set("fc.weight", { dtype: "F32", shape: [1000, 32], data: new Float32Array(32000) });
    let err: WeightsMismatchError | null = null;
    try {
      bindTorchWeights(g, t, "w.safetensors");
    } catch (e) {
      err = e as WeightsMismatchError;
    }
    expect(err).toBeInstanceOf(WeightsMismatchError);
    expect(
      err!.problems.map((p) => [
        p.kind,
        p.torchName,
        p.shape,
        "node" in p ? p.node.name : null,
        "span" in p ? p.span?.line : null,
        p.kind === "shape" ? p.expected : null,
      ]),
    ).toEqual([
      ["missing", "conv1.weight", [8, 3, 7, 7], "conv1_conv1", 7, null],
      ["missing", "layer1.0.bn1.running_var", [8], "conv2_1_bn1", 11, null],
      ["shape", "fc.weight", [1000, 32], "fc", 15, [10, 32]],
      ["unexpected", "layer5.0.conv1.weight", [2], null, null, null],
    ]);
    expect(err!.message).toBe(
      "w.safetensors does not fit tv_basic: 4 tensors (missing conv1.weight, missing layer1.0.bn1.running_var, shape fc.weight, unexpected layer5.0.conv1.weight)",
    );
  });

  it("a classifier for other classes: withClasses resizes it, and binding leaves it out", async () => {
    const g = withClasses(graphOf(fixture("basic.resnet")), 3);
    expect(g.nodes[g.logits]).toMatchObject({ op: "fc", units: 3, shape: [3] });
    const t = await readSafetensors(fixture("basic.safetensors"));
    expect(() => bindTorchWeights(g, t, "w")).toThrow(/shape fc.weight, shape fc.bias/);
    const bound = bindTorchWeights(g, t, "w", { skipClassifier: true });
    expect([...bound.weights.keys()].filter((k) => k.startsWith("logits"))).toEqual([]);
    expect(bound.weights.get("conv1_conv1.kernel")!.shape).toEqual([7, 7, 3, 8]);
  });
});
