// The weights of a built tfjs model, by the IR's names (`${node.name}.${slot}`): what export writes.
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
  for (const n of g.nodes) {
    let slots: WeightSlot[];
    if (n.op === "conv") slots = n.bias ? ["kernel", "bias"] : ["kernel"];
    else if (n.op === "bn") slots = ["gamma", "beta", "mean", "variance"];
    else if (n.op === "fc") slots = ["kernel", "bias"];
    else continue;
    const ws = model.getLayer(layerName(g, n)).getWeights();
    slots.forEach((slot, i) => {
      const t = ws[i]!;
      out.set(weightKey(n, slot), {
        shape: [...t.shape],
        data: Float32Array.from(t.dataSync() as Float32Array),
      });
    });
  }
  return out;
}
