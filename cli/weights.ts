// --weights and --freeze for build, train, eval and predict: read a .safetensors or .pth file, bind it
// to the compiled network by torchvision's names, and say exactly what does not fit.
import { displayPath } from "../grammar/diagnostic.js";
import type { IrGraph } from "../compiler/ir/types.js";
import { layerName } from "../compiler/targets/tfjs/lower.js";
import { WeightsFileError } from "../runtime/io/errors.js";
import {
  type BindOptions,
  type WeightProblem,
  WeightsMismatchError,
  bindTorchWeights,
} from "../runtime/io/torchvision.js";
import { shapeText } from "../runtime/io/tensors.js";
import { type WeightsFile, readWeightsFile } from "../runtime/io/weights-file.js";
import { CliError, EXIT, UsageError } from "./errors.js";
import type { Output } from "./output.js";

export async function readWeights(file: string): Promise<WeightsFile> {
  try {
    return await readWeightsFile(file);
  } catch (err) {
    if (err instanceof WeightsFileError) throw new CliError(err.message, EXIT.user);
    throw err;
  }
}

/** The graph with the file's tensors bound; every mismatch listed on one error (exit 1). */
export function bindWeights(
  o: Output,
  graph: IrGraph,
  w: WeightsFile,
  opts: BindOptions = {},
): IrGraph {
  try {
    return bindTorchWeights(graph, w.tensors, displayPath(w.file, o.cwd), opts);
  } catch (err) {
    if (!(err instanceof WeightsMismatchError)) throw err;
    throw new CliError(
      mismatchText(err, o.cwd),
      EXIT.user,
      "the names are torchvision's (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc), computed from the spec: check the variant, the widths, the block type (torchvision's resnet50/101/152 are bottleneck_v15) and the shortcut option",
    );
  }
}

export function mismatchText(err: WeightsMismatchError, cwd: string): string {
  const g = err.graph;
  const title = g.variant === null ? g.name : `${g.name} ${g.variant}`;
  const n = err.problems.length;
  const at = (p: Extract<WeightProblem, { kind: "missing" | "shape" }>) =>
    `resnetc layer ${p.node.name}` +
    (p.span ? ` (${displayPath(p.span.file, cwd)}:${p.span.line})` : "");
  const lines = err.problems.map((p) => {
    if (p.kind === "missing")
      return `  missing     ${p.torchName} ${shapeText(p.shape)}, for ${at(p)}`;
    if (p.kind === "shape")
      return `  wrong shape ${p.torchName}: ${shapeText(p.shape)} in the file, ${shapeText(p.expected)} for ${at(p)}`;
    return `  unexpected  ${p.torchName} ${shapeText(p.shape)}: no layer of the spec has this name`;
  });
  return [
    `${err.file} does not fit ${title}: ${n} tensor${n === 1 ? "" : "s"} ${n === 1 ? "does" : "do"} not match; nothing was written`,
    ...lines,
  ].join("\n");
}

/**
 * --freeze: layer groups by name (`conv1..conv4`, `conv1,conv2`, `conv1`) -> the tfjs layers of their
 * conv and bn nodes.
 */
export function frozenLayers(g: IrGraph, spec: string): { groups: string[]; layers: Set<string> } {
  const names = g.groups.map((x) => x.name);
  const pick = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0 || name === "head") {
      throw new UsageError(
        `--freeze: ${g.name} has no stage '${name}'`,
        `stages here: ${names.filter((x) => x !== "head").join(", ")}`,
      );
    }
    return i;
  };
  const groups: string[] = [];
  for (const part of spec.split(",").map((s) => s.trim())) {
    const range = part.split("..");
    if (range.length > 2 || range.some((s) => s === "")) {
      throw new UsageError(
        `--freeze takes stage names or a range such as conv1..conv4, got '${spec}'`,
      );
    }
    const from = pick(range[0]!);
    const to = pick(range[range.length - 1]!);
    if (to < from) throw new UsageError(`--freeze: the range ${part} runs backwards`);
    groups.push(...names.slice(from, to + 1));
  }
  const layers = new Set(
    g.nodes
      .filter((n) => (n.op === "conv" || n.op === "bn") && groups.includes(n.group))
      .map((n) => layerName(g, n)),
  );
  return { groups: [...new Set(groups)], layers };
}
