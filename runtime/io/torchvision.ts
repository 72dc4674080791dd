// torchvision's state-dict names <-> the IR's weights. The module path of every conv, bn and fc node
// comes from the spec's structure (compiler/ir/torch-names.ts); this module adds the parameter names
// and converts layouts:
//   conv  PATH.weight [out, in, kh, kw] (OIHW)  <-> NODE.kernel [kh, kw, in, out] (HWIO); PATH.bias
//   bn    PATH.weight / .bias / .running_mean / .running_var <-> NODE.gamma / beta / mean / variance
//         (PATH.num_batches_tracked is ignored when read, written as 0)
//   fc    PATH.weight [out, in] <-> NODE.kernel [in, out]; PATH.bias <-> NODE.bias
// Binding reports every missing, unexpected and mis-shaped tensor at once.
import type { Span } from "../../grammar/ast.js";
import { cloneGraph } from "../../compiler/ir/edit.js";
import { torchNames } from "../../compiler/ir/torch-names.js";
import {
  type IrGraph,
  type IrNode,
  type WeightSlot,
  type WeightTensor,
  weightKey,
} from "../../compiler/ir/types.js";
import { hwioToOihw, oihwToHwio, transpose } from "./layout.js";
import type { WriteTensor } from "./safetensors.js";
import { type TensorMap, numel, shapeText } from "./tensors.js";

/** One tensor of the state dict for one weight slot of a node. */
export interface TorchTensorSpec {
  torchName: string;
  node: IrNode;
  slot: WeightSlot;
  /** PyTorch's shape. */
  shape: number[];
}

export type WeightProblem =
  | { kind: "missing"; torchName: string; shape: number[]; node: IrNode; span: Span | null }
  | { kind: "unexpected"; torchName: string; shape: number[] }
  | {
      kind: "shape";
      torchName: string;
      shape: number[];
      expected: number[];
      node: IrNode;
      span: Span | null;
    };

/** What a state dict does not fit: every problem, in the network's order, unexpected ones last. */
export class WeightsMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly graph: IrGraph,
    readonly problems: WeightProblem[],
  ) {
    super(
      `${file} does not fit ${graph.variant === null ? graph.name : `${graph.name} ${graph.variant}`}: ` +
        `${problems.length} tensor${problems.length === 1 ? "" : "s"} (${problems.map((p) => `${p.kind} ${p.torchName}`).join(", ")})`,
    );
    this.name = "WeightsMismatchError";
  }
}

const BN_PARAMS: Record<string, string> = {
  gamma: "weight",
  beta: "bias",
  mean: "running_mean",
  variance: "running_var",
};

/** Every tensor the spec's network has, under torchvision's names, in the network's order. */
export function torchTensorSpecs(g: IrGraph): TorchTensorSpec[] {
  const paths = torchNames(g);
  const out: TorchTensorSpec[] = [];
  for (const n of g.nodes) {
    const p = paths.get(n.id);
    if (p === undefined) continue;
    const inShape = g.nodes[n.inputs[0]!]!.shape;
    if (n.op === "conv") {
      const [kh, kw] = n.kernel;
      out.push({
        torchName: `${p}.weight`,
        node: n,
        slot: "kernel",
        // Grouped convolutions: torchvision's weight is [out, in / groups, kh, kw].
        shape: [n.filters, inShape[2]! / (n.groups ?? 1), kh, kw],
      });
      if (n.bias) out.push({ torchName: `${p}.bias`, node: n, slot: "bias", shape: [n.filters] });
    } else if (n.op === "bn") {
      const c = n.shape[n.shape.length - 1]!;
      for (const slot of ["gamma", "beta", "mean", "variance"] as const) {
        out.push({ torchName: `${p}.${BN_PARAMS[slot]}`, node: n, slot, shape: [c] });
      }
    } else if (n.op === "se") {
      // timm's SEModule: fc1 and fc2 are 1x1 convolutions with biases.
      const c = n.shape[n.shape.length - 1]!;
      const h = n.hidden;
      out.push({ torchName: `${p}.fc1.weight`, node: n, slot: "fc1_kernel", shape: [h, c, 1, 1] });
      out.push({ torchName: `${p}.fc1.bias`, node: n, slot: "fc1_bias", shape: [h] });
      out.push({ torchName: `${p}.fc2.weight`, node: n, slot: "fc2_kernel", shape: [c, h, 1, 1] });
      out.push({ torchName: `${p}.fc2.bias`, node: n, slot: "fc2_bias", shape: [c] });
    } else if (n.op === "fc") {
      out.push({
        torchName: `${p}.weight`,
        node: n,
        slot: "kernel",
        shape: [n.units, inShape[0]!],
      });
      out.push({ torchName: `${p}.bias`, node: n, slot: "bias", shape: [n.units] });
    }
  }
  return out;
}

/** PyTorch's layout -> the IR's. */
function toIr(s: TorchTensorSpec, data: Float32Array): WeightTensor {
  const [a, b, kh, kw] = s.shape as [number, number, number, number];
  if (s.node.op === "conv" && s.slot === "kernel")
    return { shape: [kh, kw, b, a], data: oihwToHwio(data, s.shape) };
  if (s.node.op === "fc" && s.slot === "kernel")
    return { shape: [b, a], data: transpose(data, a, b) };
  // SE's 1x1 convs [out, in, 1, 1] -> the IR's [in, out].
  if (s.node.op === "se" && (s.slot === "fc1_kernel" || s.slot === "fc2_kernel"))
    return { shape: [b, a], data: transpose(data, a, b) };
  return { shape: [...s.shape], data: Float32Array.from(data) };
}

/** The IR's layout -> PyTorch's. */
function toTorch(s: TorchTensorSpec, w: WeightTensor): Float32Array {
  if (s.node.op === "conv" && s.slot === "kernel") return hwioToOihw(w.data, w.shape);
  if (s.node.op === "fc" && s.slot === "kernel") return transpose(w.data, w.shape[0]!, w.shape[1]!);
  // The IR's [in, out] -> SE's 1x1 convs [out, in, 1, 1].
  if (s.node.op === "se" && (s.slot === "fc1_kernel" || s.slot === "fc2_kernel"))
    return transpose(w.data, w.shape[0]!, w.shape[1]!);
  return Float32Array.from(w.data);
}

export interface BindOptions {
  /** Leave the classifier (fc) unbound, whatever the file holds for it (fine-tuning to new classes). */
  skipClassifier?: boolean;
}

/**
 * The graph with the state dict's tensors bound to its nodes. Throws a WeightsMismatchError listing
 * every missing, unexpected and mis-shaped tensor.
 */
export function bindTorchWeights(
  g: IrGraph,
  tensors: TensorMap,
  file: string,
  opts: BindOptions = {},
): IrGraph {
  const problems: WeightProblem[] = [];
  const used = new Set<string>();
  const out = cloneGraph(g);
  for (const s of torchTensorSpecs(g)) {
    if (opts.skipClassifier && s.node.id === g.logits) {
      used.add(s.torchName);
      continue;
    }
    const t = tensors.get(s.torchName);
    const span = placeOf(g, s.node);
    if (t === undefined) {
      problems.push({
        kind: "missing",
        torchName: s.torchName,
        shape: s.shape,
        node: s.node,
        span,
      });
      continue;
    }
    used.add(s.torchName);
    if (shapeText(t.shape) !== shapeText(s.shape)) {
      problems.push({
        kind: "shape",
        torchName: s.torchName,
        shape: t.shape,
        expected: s.shape,
        node: s.node,
        span,
      });
      continue;
    }
    out.weights.set(weightKey(s.node, s.slot), toIr(s, t.data));
  }
  for (const [name, t] of tensors) {
    if (!used.has(name) && !name.endsWith(".num_batches_tracked")) {
      problems.push({ kind: "unexpected", torchName: name, shape: t.shape });
    }
  }
  if (problems.length > 0) throw new WeightsMismatchError(file, g, problems);
  return out;
}

/**
 * Where a node is written, for messages: a block's nodes point at the `stages`/`stage` line that made
 * the block (as shape errors do), the others at their own line.
 */
export function placeOf(g: IrGraph, n: IrNode): Span | null {
  if (n.block === null) return n.span;
  const add = g.nodes.find((m) => m.block === n.block && m.op === "add");
  return add?.span ?? n.span;
}

/** The state dict of a network's weights (as read from a trained model), torchvision's names and layouts. */
export function torchStateDict(
  g: IrGraph,
  weights: ReadonlyMap<string, WeightTensor>,
): WriteTensor[] {
  const out: WriteTensor[] = [];
  const paths = torchNames(g);
  let last: IrNode | null = null;
  const counter = (): void => {
    if (last?.op !== "bn") return;
    const p = paths.get(last.id)!;
    out.push({
      name: `${p}.num_batches_tracked`,
      dtype: "I64",
      shape: [],
      data: new Float32Array(1),
    });
  };
  for (const s of torchTensorSpecs(g)) {
    if (s.node !== last) counter();
    last = s.node;
    const w = weights.get(weightKey(s.node, s.slot));
    if (w === undefined || numel(w.shape) !== numel(s.shape)) {
      throw new Error(
        `internal: the model has no weight ${weightKey(s.node, s.slot)} of ${numel(s.shape)} values`,
      );
    }
    out.push({ name: s.torchName, dtype: "F32", shape: s.shape, data: toTorch(s, w) });
  }
  counter();
  return out;
}

/** The graph with its classifier producing `classes` outputs (the layers after it follow). */
export function withClasses(g: IrGraph, classes: number): IrGraph {
  const out = cloneGraph(g);
  const fc = out.nodes[g.logits]!;
  if (fc.op !== "fc") throw new Error("internal: the classifier is not an fc node");
  fc.units = classes;
  fc.shape = [classes];
  for (const n of out.nodes) if (n.id > fc.id && n.shape.length === 1) n.shape = [classes];
  for (const k of [...out.weights.keys()]) if (k.startsWith(`${fc.name}.`)) out.weights.delete(k);
  return out;
}
