// The weights of a built tfjs model, by the IR's names (`${node.name}.${slot}`): what export writes.
import type * as tfl from "@tensorflow/tfjs-layers";

import type { IrGraph, WeightTensor } from "../../compiler/ir/types.js";
import { layerVariables } from "../../compiler/targets/tfjs/variables.js";

/** Read with `await data()`: GPU backends cannot read synchronously. */
export async function modelWeights(
  g: IrGraph,
  model: tfl.LayersModel,
): Promise<Map<string, WeightTensor>> {
  const out = new Map<string, WeightTensor>();
  for (const [key, v] of layerVariables(g, model)) {
    const t = v.read();
    out.set(key, {
      shape: [...t.shape],
      data: Float32Array.from((await t.data()) as Float32Array),
    });
  }
  return out;
}
