// The figures He et al. 2015 print (Table 1 FLOPs; Table 6 parameters and test error), so that
// `resnetc table` can show the paper's value beside the one we compute.
import type { IrGraph } from "./ir/types.js";

export interface PaperFigures {
  source: string;
  multiplyAdds?: number;
  params?: number;
  testError?: number;
}

const IMAGENET: Record<number, PaperFigures> = {
  18: { source: "Table 1", multiplyAdds: 1.8e9 },
  34: { source: "Table 1", multiplyAdds: 3.6e9 },
  50: { source: "Table 1", multiplyAdds: 3.8e9 },
  101: { source: "Table 1", multiplyAdds: 7.6e9 },
  152: { source: "Table 1", multiplyAdds: 11.3e9 },
};

const CIFAR: Record<number, PaperFigures> = {
  20: { source: "Table 6", params: 0.27e6, testError: 8.75 },
  32: { source: "Table 6", params: 0.46e6, testError: 7.51 },
  44: { source: "Table 6", params: 0.66e6, testError: 7.17 },
  56: { source: "Table 6", params: 0.85e6, testError: 6.97 },
  110: { source: "Table 6", params: 1.7e6, testError: 6.43 },
  1202: { source: "Table 6", params: 19.4e6, testError: 7.93 },
};

/** The paper's figures for a model of this depth and input, if the paper has one. */
export function paperFigures(g: IrGraph, depth: number): PaperFigures | null {
  const classes = g.nodes[g.logits]?.shape[0];
  const [h, w, c] = g.input;
  if (h === 224 && w === 224 && c === 3 && classes === 1000) return IMAGENET[depth] ?? null;
  if (h === 32 && w === 32 && c === 3 && classes === 10) return CIFAR[depth] ?? null;
  return null;
}
