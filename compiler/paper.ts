// The figures He et al. 2015 print (Table 1 FLOPs; Table 6 parameters and test error), so that
// `resnetc table` can show the paper's value beside the one we compute.
import type { IrGraph } from "./ir/types.js";

export interface PaperFigures {
  source: string;
  /** Who published the figure, as `table` shows it ("paper" unless said). */
  label?: string;
  /** Significant decimals of the published multiply-adds (1 unless said: 3.8e9). */
  digits?: number;
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

/**
 * The ResNet family's published figures, recognised by depth and the first stage's Table 1 cell
 * (and shortcut): torchvision's documented GFLOPS for ResNeXt and Wide ResNet, Hu et al. 2018
 * (Table 2) for SE-ResNet-50's parameters, He et al. 2019 (Table 5) for ResNet-50-D, Zagoruyko & Komodakis 2016
 * for WRN-28-10's parameters.
 */
const FAMILY: { depth: number; cell: string; shortcut?: string; figures: PaperFigures }[] = [
  ...(
    [
      [50, "[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3", 4.23e9],
      [101, "[1x1, 256; 3x3, 256, C=32; 1x1, 256] x 3", 16.41e9],
      [101, "[1x1, 256; 3x3, 256, C=64; 1x1, 256] x 3", 15.46e9],
      [50, "[1x1, 128; 3x3, 128; 1x1, 256] x 3", 11.4e9],
      [101, "[1x1, 128; 3x3, 128; 1x1, 256] x 3", 22.75e9],
    ] as const
  ).map(([depth, cell, m]) => ({
    depth,
    cell,
    figures: { source: "torchvision", label: "torchvision", multiplyAdds: m, digits: 2 },
  })),
  {
    depth: 50,
    cell: "[1x1, 64; 3x3, 64; 1x1, 256; fc, [16, 256]] x 3",
    figures: {
      source: "Hu et al. 2018, Table 2",
      label: "Hu et al.",
      multiplyAdds: 3.87e9,
      digits: 2,
    },
  },
  {
    depth: 52,
    cell: "[1x1, 64; 3x3, 64; 1x1, 256] x 3",
    shortcut: "D",
    figures: { source: "He et al. 2019, Table 5", label: "He et al. 2019", multiplyAdds: 4.3e9 },
  },
  {
    depth: 26,
    cell: "[bn; relu; 3x3, 160; bn; relu; 3x3, 160] x 4",
    figures: { source: "Zagoruyko & Komodakis 2016", params: 36.5e6 },
  },
];

function familyFigures(g: IrGraph, depth: number): PaperFigures | null {
  const first = g.groups.find((s) => s.kind === "stage");
  const hit = FAMILY.find(
    (f) =>
      f.depth === depth &&
      f.cell === first?.description[first.description.length - 1] &&
      (f.shortcut === undefined || f.shortcut === first?.shortcut),
  );
  return hit?.figures ?? null;
}

/** The paper's figures for a model of this depth and input, if the paper has one. */
export function paperFigures(g: IrGraph, depth: number): PaperFigures | null {
  const classes = g.nodes[g.logits]?.shape[0];
  const [h, w, c] = g.input;
  const family = familyFigures(g, depth);
  if (family && ((h === 224 && classes === 1000) || (h === 32 && classes === 10))) return family;
  if (h === 224 && w === 224 && c === 3 && classes === 1000) return IMAGENET[depth] ?? null;
  if (h === 32 && w === 32 && c === 3 && classes === 10) return CIFAR[depth] ?? null;
  return null;
}
