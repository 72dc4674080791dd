// The IR verifier: every input exists and comes earlier, names are unique, every op has its arity,
// every shape follows from its inputs, the classifier is an fc, bound weights fit their nodes.
// The pass driver runs it after every pass in the specs (and wherever asked).
import { effectiveKernel, windowOutput } from "./padding.js";
import { shapeText, WEIGHT_SLOTS, type IrGraph, type IrNode, type Shape } from "./types.js";

const ARITY: Record<IrNode["op"], number> = {
  input: 0,
  conv: 1,
  bn: 1,
  relu: 1,
  maxpool: 1,
  avgpool: 1,
  globalavg: 1,
  globalmax: 1,
  flatten: 1,
  fc: 1,
  softmax: 1,
  add: 2,
  shortcutA: 1,
  se: 1,
  dropout: 1,
  droppath: 1,
};

/** Every problem found, as readable lines ("node 12 (conv2_1_add): ..."); empty when valid. */
export function verify(g: IrGraph): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  g.nodes.forEach((n, i) => {
    const say = (m: string) => problems.push(`node ${i} (${n.name}): ${m}`);
    if (n.id !== i) say(`id ${n.id} is not its position ${i}`);
    if (!n.name) say("has no name");
    if (names.has(n.name)) say("name is not unique");
    names.add(n.name);
    const arity = ARITY[n.op] + ((n.op === "conv" || n.op === "bn") && n.residual ? 1 : 0);
    if (n.inputs.length !== arity) say(`${n.op} takes ${arity} inputs, has ${n.inputs.length}`);
    if (n.inputs.some((x) => !Number.isInteger(x) || x < 0 || x >= i)) {
      say(`inputs ${n.inputs.join(", ")} must be earlier nodes`);
      return;
    }
    const want = expectedShape(g, n);
    if (typeof want === "string") say(want);
    else if (want && shapeText(want) !== shapeText(n.shape))
      say(`shape ${shapeText(n.shape)}, but its inputs give ${shapeText(want)}`);
  });
  const cls = g.nodes[g.logits];
  if (!cls || cls.op !== "fc") problems.push(`logits (${g.logits}) is not an fc node`);
  if (!g.nodes[g.output]) problems.push(`output (${g.output}) is not a node`);
  problems.push(...verifyWeights(g));
  return problems;
}

export function assertValid(g: IrGraph, after = "building"): void {
  const p = verify(g);
  if (p.length) throw new Error(`internal: invalid IR after ${after}:\n  ${p.join("\n  ")}`);
}

function expectedShape(g: IrGraph, n: IrNode): Shape | string | null {
  const own = ownShape(g, n);
  if ((n.op !== "conv" && n.op !== "bn") || !n.residual || typeof own !== "object" || !own)
    return own;
  const r = g.nodes[n.inputs[1]!]!.shape;
  return shapeText(r) === shapeText(own)
    ? own
    : `adds a ${shapeText(r)} residual to ${shapeText(own)}`;
}

function ownShape(g: IrGraph, n: IrNode): Shape | string | null {
  const x = n.inputs.length ? g.nodes[n.inputs[0]!]!.shape : null;
  if (!x) return n.op === "input" ? (g.input as Shape) : null;
  const map = x.length === 3;
  switch (n.op) {
    case "conv":
    case "maxpool":
    case "avgpool": {
      if (!map) return `${n.op} needs a feature map, gets ${shapeText(x)}`;
      if (n.op === "conv" && (x[2]! % (n.groups ?? 1) !== 0 || n.filters % (n.groups ?? 1) !== 0))
        return `groups ${n.groups ?? 1} do not divide ${x[2]} -> ${n.filters} channels`;
      const k = n.op === "conv" ? effectiveKernel(n.kernel, n.dilation ?? 1) : n.pool;
      const h = windowOutput(x[0]!, n.pad.top, n.pad.bottom, k[0], n.stride);
      const w = windowOutput(x[1]!, n.pad.left, n.pad.right, k[1], n.stride);
      return [h, w, n.op === "conv" ? n.filters : x[2]!];
    }
    case "globalavg":
    case "globalmax":
      return map ? [x[2]!] : `${n.op} needs a feature map, gets ${shapeText(x)}`;
    case "flatten":
      return [x.reduce((a, b) => a * b, 1)];
    case "fc":
      return map ? `fc needs a vector, gets ${shapeText(x)}` : [n.units];
    case "add": {
      const y = g.nodes[n.inputs[1]!]!.shape;
      return shapeText(x) === shapeText(y) ? x : `adds ${shapeText(x)} and ${shapeText(y)}`;
    }
    case "se":
      return map ? x : `se needs a feature map, gets ${shapeText(x)}`;
    case "shortcutA":
      return [Math.ceil(x[0]! / n.stride), Math.ceil(x[1]! / n.stride), x[2]! + n.padChannels];
    default:
      return x;
  }
}

function verifyWeights(g: IrGraph): string[] {
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const out: string[] = [];
  for (const [key, t] of g.weights) {
    const dot = key.lastIndexOf(".");
    const n = byName.get(key.slice(0, dot));
    const slot = key.slice(dot + 1);
    const slots: readonly string[] | undefined =
      n && n.op in WEIGHT_SLOTS ? WEIGHT_SLOTS[n.op as keyof typeof WEIGHT_SLOTS] : undefined;
    if (!n || !slots || !slots.includes(slot)) {
      out.push(`weight ${key} belongs to no node slot`);
      continue;
    }
    const want = weightShape(g, n, slot);
    if (shapeText(want) !== shapeText(t.shape))
      out.push(`weight ${key} has shape ${shapeText(t.shape)}, needs ${shapeText(want)}`);
    else if (t.data.length !== want.reduce((a, b) => a * b, 1))
      out.push(`weight ${key} holds ${t.data.length} values for shape ${shapeText(t.shape)}`);
  }
  return out;
}

/** The shape a weight slot of a node must have, in the IR's layout. */
export function weightShape(g: IrGraph, n: IrNode, slot: string): number[] {
  const x = g.nodes[n.inputs[0]!]!.shape;
  const cin = x[x.length - 1]!;
  const cout = n.shape[n.shape.length - 1]!;
  if (n.op === "conv")
    return slot === "kernel"
      ? [n.kernel[0], n.kernel[1], cin / (n.groups ?? 1), n.filters]
      : [cout];
  if (n.op === "se") {
    const shapes: Record<string, number[]> = {
      fc1_kernel: [cout, n.hidden],
      fc1_bias: [n.hidden],
      fc2_kernel: [n.hidden, cout],
      fc2_bias: [cout],
    };
    return shapes[slot] ?? [cout];
  }
  if (n.op === "fc") return slot === "kernel" ? [cin, n.units] : [n.units];
  return [cout];
}
