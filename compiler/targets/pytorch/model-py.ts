// IR -> model.py: an nn.Module a PyTorch user would write by hand, with torchvision's module and
// parameter names (conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, fc), one class per block type,
// stages as nn.Sequential and comments naming the spec line of each part. The input is NCHW (the
// IR's NHWC is a tfjs matter); forward returns the logits (the spec's softmax is the loss's).
import { torchNames } from "../../ir/torch-names.js";
import type { IrGraph, IrNode } from "../../ir/types.js";
import {
  blockClasses,
  blockClassSource,
  blockInstances,
  instanceCall,
  type BlockClass,
} from "./blocks.js";
import { helperSources } from "./helpers.js";
import { moduleExpr, plainAttr, type Helper } from "./modules.js";
import { pythonFile } from "./python-files.js";
import { spanNote } from "./source.js";

export interface ModelPyOptions {
  /** Shown in the header, e.g. "examples/mnist/resnet.resnet". */
  specPath: string;
  /** Trainable parameters (analysis), printed by `python3 model.py` and checked there. */
  params: number;
}

/** The Python class name of the model: mnist_resnet -> MnistResnet, resnet 50 -> Resnet50. */
export function modelClassName(g: IrGraph): string {
  const words = `${g.name}_${g.variant ?? ""}`.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return /^[0-9]/.test(name) ? `Net${name}` : name;
}

export function modelPy(g: IrGraph, opts: ModelPyOptions): string {
  const names = torchNames(g);
  const helpers = new Set<Helper>();
  const blocks = blockInstances(g);
  const classes = blockClasses(g, blocks);
  const classOf = new Map<string, BlockClass>();
  for (const c of classes) for (const b of c.instances) classOf.set(b.name, c);
  const blockSources = classes.map((c) => blockClassSource(g, c, names, helpers));
  const top = topLevel(g, names, helpers, (b) => classOf.get(b)!);
  const cls = modelClassName(g);
  const header = pythonFile("model_header.py")
    .replace("__SPEC__", opts.specPath)
    .replace("__MODEL__", `${g.name}${g.variant === null ? "" : ` variant ${g.variant}`}`);
  const footer = pythonFile("model_footer.py")
    .replaceAll("__CLASS__", cls)
    .replace("__PARAMS__", String(opts.params))
    .replace("__INPUT__", `(${[g.input[2], g.input[0], g.input[1]].join(", ")})`);
  return (
    [
      header.trimEnd(),
      ...helperSources(helpers),
      ...blockSources,
      modelClass(g, cls, top),
      footer.trimEnd(),
    ].join("\n\n\n") + "\n"
  );
}

interface TopLevel {
  init: string[];
  forward: string[];
}

function topLevel(
  g: IrGraph,
  names: Map<number, string>,
  helpers: Set<Helper>,
  classOf: (block: string) => BlockClass,
): TopLevel {
  const init: string[] = [];
  const forward: string[] = [];
  const declared = new Set<string>();
  const used = new Map<string, number>();
  const blocks = blockInstances(g);
  const stem = deepStem(g, names);

  for (const n of g.nodes) {
    if (n.op === "input") continue;
    if (n.block !== null) {
      const stage = blocks.find((b) => b.name === n.block)!.stage;
      const attr = `layer${stage + 1}`;
      if (declared.has(attr)) continue;
      declared.add(attr);
      init.push(...stageInit(g, attr, stage, blocks, classOf, helpers));
      forward.push(`        x = self.${attr}(x)`);
      continue;
    }
    if (stem.has(n.id)) {
      if (!declared.has("conv1")) {
        declared.add("conv1");
        init.push(...deepStemInit(g, stem, helpers));
        forward.push(`        x = self.conv1(x)  # ${spanNote(n.span)}`);
      }
      continue;
    }
    if (n.op === "softmax" && n.id === g.output && n.inputs[0] === g.logits) continue;
    const note = spanNote(n.span);
    const comment = note ? `  # ${note}` : "";
    if (n.op === "flatten") {
      const s = g.nodes[n.inputs[0]!]!.shape;
      // NHWC order, as the IR (and the weights of the fc after it) expect.
      forward.push(
        s.length === 3 && s[0]! * s[1]! > 1
          ? `        x = torch.flatten(x.permute(0, 2, 3, 1), 1)${comment}`
          : `        x = torch.flatten(x, 1)${comment}`,
      );
      continue;
    }
    if (n.op === "softmax") {
      forward.push(`        x = torch.softmax(x, dim=1)${comment}`);
      continue;
    }
    const attr = topAttr(n, names, used);
    if (!declared.has(attr)) {
      declared.add(attr);
      const cin = String(g.nodes[n.inputs[0]!]!.shape.at(-1));
      const cout = n.op === "conv" ? String(n.filters) : cin;
      const m = moduleExpr(n, cin, cout, String(strideOf(n)));
      if (!m) throw new Error(`internal: ${n.name}: no module for ${n.op}`);
      if (m.helper) helpers.add(m.helper);
      init.push(`        self.${attr.replace(/^head\.(.*)$/, 'head["$1"]')} = ${m.code}${comment}`);
    }
    const ref = attr.startsWith("head.") ? `self.head["${attr.slice(5)}"]` : `self.${attr}`;
    const call =
      n.op === "globalavg" || n.op === "globalmax" ? `torch.flatten(${ref}(x), 1)` : `${ref}(x)`;
    forward.push(`        x = ${call}`);
  }
  const head = init.findIndex((l) => l.includes('self.head["'));
  if (head >= 0)
    init.splice(
      head,
      0,
      "        self.head = nn.ModuleDict()  # the head's weighted layers but fc",
    );
  return { init, forward };
}

function strideOf(n: IrNode): number {
  return n.op === "conv" || n.op === "maxpool" || n.op === "avgpool" ? n.stride : 1;
}

function topAttr(n: IrNode, names: Map<number, string>, used: Map<string, number>): string {
  const tv = names.get(n.id);
  if (tv !== undefined) return tv;
  if (n.op === "relu") return "relu";
  const base = plainAttr(n);
  const k = (used.get(base) ?? 0) + 1;
  used.set(base, k);
  return k === 1 ? base : `${base}${k}`;
}

function stageInit(
  g: IrGraph,
  attr: string,
  stage: number,
  blocks: ReturnType<typeof blockInstances>,
  classOf: (block: string) => BlockClass,
  helpers: Set<Helper>,
): string[] {
  const mine = blocks.filter((b) => b.stage === stage);
  const calls = mine.map((b) => instanceCall(g, classOf(b.name), b, helpers));
  const group = g.groups.filter((x) => x.kind === "stage")[stage]!;
  const addNode = mine[0]!.nodes.at(-1)!;
  const note = spanNote(addNode.span);
  const lines = [
    `        # ${group.name}: ${group.description.join("; ")}${note ? ` (${note})` : ""}`,
  ];
  lines.push(`        self.${attr} = nn.Sequential(`);
  for (let i = 0; i < calls.length;) {
    let j = i + 1;
    while (j < calls.length && calls[j] === calls[i]) j++;
    lines.push(
      j - i > 2
        ? `            *[${calls[i]} for _ in range(${j - i})],`
        : `            ${calls[i]},`,
    );
    if (j - i === 2) lines.push(`            ${calls[i]},`);
    i = j;
  }
  lines.push("        )");
  return lines;
}

/** A deep stem (several convolutions): torch-names puts them in one nn.Sequential `conv1`. */
function deepStem(g: IrGraph, names: Map<number, string>): Set<number> {
  const ids = g.nodes.filter((n) => names.get(n.id)?.startsWith("conv1.")).map((n) => n.id);
  if (ids.length === 0) return new Set();
  const first = Math.min(...ids);
  const last = Math.max(...ids);
  return new Set(g.nodes.filter((n) => n.id >= first && n.id <= last).map((n) => n.id));
}

function deepStemInit(g: IrGraph, stem: Set<number>, helpers: Set<Helper>): string[] {
  const items = g.nodes.filter((n) => stem.has(n.id));
  const lines = ["        self.conv1 = nn.Sequential("];
  for (const n of items) {
    const cin = String(g.nodes[n.inputs[0]!]!.shape.at(-1));
    const cout = n.op === "conv" ? String(n.filters) : cin;
    const m = moduleExpr(n, cin, cout, String(strideOf(n)));
    if (!m) throw new Error(`internal: ${n.name}: ${n.op} in a deep stem`);
    if (m.helper) helpers.add(m.helper);
    const note = spanNote(n.span);
    lines.push(
      `            ${n.op === "relu" ? "nn.ReLU(inplace=True)" : m.code},${note ? `  # ${note}` : ""}`,
    );
  }
  lines.push("        )");
  return lines;
}

function modelClass(g: IrGraph, cls: string, top: TopLevel): string {
  return [
    `class ${cls}(nn.Module):`,
    `    """${g.name}${g.variant === null ? "" : ` ${g.variant}`}: input ${g.input[2]}x${g.input[0]}x${g.input[1]} (NCHW), output ${g.nodes[g.logits]!.shape[0]} logits."""`,
    "",
    "    def __init__(self) -> None:",
    "        super().__init__()",
    ...top.init,
    "",
    "    def forward(self, x: Tensor) -> Tensor:",
    ...top.forward,
    "        return x",
  ].join("\n");
}
