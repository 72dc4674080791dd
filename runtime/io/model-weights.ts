// The weights of a built tfjs model, by the IR's names (`${node.name}.${slot}`): what export writes.
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import {
  type IrGraph,
  type WeightSlot,
  type WeightTensor,
  weightKey,
} from "../../compiler/ir/types.js";
import { layerName } from "../../compiler/targets/tfjs/lower.js";

export function modelWeights(g: IrGraph, model: tfl.LayersModel): Map<string, WeightTensor> {
  const out = new Map<string, WeightTensor>();
  const put = (key: string, t: tf.Tensor) =>
    out.set(key, { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });
  for (const n of g.nodes) {
    if (n.op === "se") {
      // Squeeze-and-excitation: two dense layers, NAME_fc1 and NAME_fc2 (kernel, bias).
      for (const fc of ["fc1", "fc2"] as const) {
        const [kernel, bias] = model.getLayer(`${n.name}_${fc}`).getWeights();
        put(weightKey(n, `${fc}_kernel`), kernel!);
        put(weightKey(n, `${fc}_bias`), bias!);
      }
      continue;
    }
    let slots: WeightSlot[];
    if (n.op === "conv") slots = n.bias ? ["kernel", "bias"] : ["kernel"];
    else if (n.op === "bn") slots = ["gamma", "beta", "mean", "variance"];
    else if (n.op === "fc") slots = ["kernel", "bias"];
    else continue;
    const ws = model.getLayer(layerName(g, n)).getWeights();
    slots.forEach((slot, i) => put(weightKey(n, slot), ws[i]!));
  }
  return out;
}
