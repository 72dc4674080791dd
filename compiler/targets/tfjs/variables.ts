// The variables of a lowered model by the IR's weight keys (`${node.name}.${slot}`): which tfjs
// layer holds which IR weight (lower.ts names the layers). Export reads them; the executor trains
// them in place, so a model trained through the executor saves and loads as layers.
import type * as tfl from "@tensorflow/tfjs-layers";
import { weightKey, type IrGraph, type WeightSlot } from "../../ir/types.js";
import { layerName } from "./lower.js";

export type LayerVariable = tfl.LayersModel["weights"][number];

export function layerVariables(g: IrGraph, model: tfl.LayersModel): Map<string, LayerVariable> {
  const out = new Map<string, LayerVariable>();
  for (const n of g.nodes) {
    if (n.op === "se") {
      // Squeeze-and-excitation: two dense layers, NAME_fc1 and NAME_fc2 (kernel, bias).
      for (const fc of ["fc1", "fc2"] as const) {
        const [kernel, bias] = model.getLayer(`${n.name}_${fc}`).weights;
        out.set(weightKey(n, `${fc}_kernel`), kernel!);
        out.set(weightKey(n, `${fc}_bias`), bias!);
      }
      continue;
    }
    let slots: WeightSlot[];
    if (n.op === "conv") slots = n.bias ? ["kernel", "bias"] : ["kernel"];
    else if (n.op === "bn") slots = ["gamma", "beta", "mean", "variance"];
    else if (n.op === "fc") slots = ["kernel", "bias"];
    else continue;
    const ws = model.getLayer(layerName(g, n)).weights;
    slots.forEach((slot, i) => out.set(weightKey(n, slot), ws[i]!));
  }
  return out;
}
