// Residual blocks as Python classes: every block instance of the IR is read as a small template
// (its nodes with local inputs, channel counts as multiples of `planes`, which convolutions carry
// the stride), instances with the same template share one class named after the spec's block type
// (basic -> BasicBlock, bottleneck -> Bottleneck), and each instance becomes a constructor call
// `BasicBlock(64, 128, stride=2, downsample=...)`, torchvision style. The shortcut's modules are
// built by the caller and passed in as `downsample` (so they are named `downsample.0/.1`).
import type { IrGraph, IrNode } from "../../ir/types.js";
import { moduleExpr, plainAttr, type Helper } from "./modules.js";
import { spanNote } from "./source.js";

export interface BlockInstance {
  name: string;
  /** 0-based stage index (layer{stage+1}) and block index in the stage. */
  stage: number;
  index: number;
  nodes: IrNode[];
  /** Id of the node outside the block that feeds it. */
  input: number;
}

/** What a block computes, ignoring its widths and stride. */
interface Template {
  pre: IrNode[];
  add: IrNode | null;
  post: IrNode[];
  shortcut: IrNode[];
  /** The value the shortcut (or the identity) starts from: "x" or an index into pre. */
  src: string;
  planes: number | null;
  /** Channel expression per node id (output channels). */
  channels: Map<number, string>;
}

export interface BlockClass {
  name: string;
  type: string;
  signature: string;
  /** Positions in `pre` whose stride is the constructor's `stride`. */
  strideAt: number[];
  hasDownsample: boolean;
  instances: BlockInstance[];
}

export function blockInstances(g: IrGraph): BlockInstance[] {
  const stages = g.groups.filter((x) => x.kind === "stage").map((x) => x.name);
  const byName = new Map<string, BlockInstance>();
  for (const n of g.nodes) {
    if (n.block === null) continue;
    let b = byName.get(n.block);
    if (!b) {
      const index = Number(n.block.slice(n.block.lastIndexOf("_") + 1)) - 1;
      b = { name: n.block, stage: stages.indexOf(n.group), index, nodes: [], input: n.inputs[0]! };
      byName.set(n.block, b);
    }
    b.nodes.push(n);
  }
  return [...byName.values()];
}

function template(b: BlockInstance): Template {
  const inBlock = new Set(b.nodes.map((n) => n.id));
  const main = b.nodes.filter((n) => n.branch === "main");
  const addAt = main.findIndex((n) => n.op === "add");
  const add = addAt >= 0 ? main[addAt]! : null;
  const pre = add ? main.slice(0, addAt) : main;
  const post = add ? main.slice(addAt + 1) : [];
  const shortcut = b.nodes.filter((n) => n.branch === "shortcut");
  let srcId = b.input;
  if (shortcut.length) srcId = shortcut[0]!.inputs[0]!;
  else if (add) srcId = add.inputs.find((i) => i !== pre.at(-1)?.id) ?? b.input;
  const src = inBlock.has(srcId) ? String(pre.findIndex((n) => n.id === srcId)) : "x";
  const firstConv = pre.find((n) => n.op === "conv");
  const planes = firstConv && firstConv.op === "conv" ? firstConv.filters : null;
  const channels = new Map<number, string>();
  const inExpr = (id: number) => channels.get(id) ?? "inplanes";
  for (const n of [...pre, ...(add ? [add] : []), ...post]) {
    if (n.op === "conv") channels.set(n.id, planesExpr(n.filters, planes!));
    else if (n.op === "fc") channels.set(n.id, String(n.units));
    else channels.set(n.id, inExpr(n.inputs[0]!));
  }
  return { pre, add, post, shortcut, src, planes, channels };
}

function planesExpr(filters: number, planes: number): string {
  if (filters === planes) return "planes";
  if (filters % planes === 0) return `planes * ${filters / planes}`;
  if (planes % filters === 0) return `planes // ${planes / filters}`;
  return String(filters);
}

/** The template as text, strides left out unless `withStrides`. */
function signature(t: Template, b: BlockInstance, withStrides: boolean): string {
  const local = (id: number) => {
    const i = t.pre.findIndex((n) => n.id === id);
    return i >= 0 ? i : id === b.input ? "x" : "?";
  };
  const nodes = [...t.pre, ...t.post].map((n) => {
    const { id, name, inputs, shape, span, group, block, branch, role, ...op } = n;
    (void id, name, shape, span, group, block, branch, role);
    const rest = { ...op } as Record<string, unknown>;
    if (!withStrides) delete rest.stride;
    if (n.op === "conv") delete rest.filters;
    return { ...rest, in: inputs.map(local), ch: t.channels.get(n.id), dims: n.shape.length };
  });
  return JSON.stringify({ nodes, add: t.add !== null, src: t.src, pre: t.pre.length });
}

function strideOf(n: IrNode): number {
  return n.op === "conv" || n.op === "maxpool" || n.op === "avgpool" ? n.stride : 1;
}

/** Groups the instances into classes, in order of first use. */
export function blockClasses(g: IrGraph, blocks: BlockInstance[]): BlockClass[] {
  const stages = g.groups.filter((x) => x.kind === "stage");
  const groups = new Map<string, { type: string; items: BlockInstance[] }>();
  for (const b of blocks) {
    const t = template(b);
    const type = stages[b.stage]?.blockType ?? "block";
    const key = `${type}|${signature(t, b, false)}`;
    const entry = groups.get(key) ?? { type, items: [] };
    entry.items.push(b);
    groups.set(key, entry);
  }
  const out: BlockClass[] = [];
  for (const [key, { type, items }] of groups) {
    const pre = (b: BlockInstance) => template(b).pre;
    const strideAt = pre(items[0]!)
      .map((_, i) => i)
      .filter((i) => items.some((b) => strideOf(pre(b)[i]!) > 1));
    const consistent = items.every((b) => {
      const p = pre(b);
      const s = strideAt.length ? strideOf(p[strideAt[0]!]!) : 1;
      return p.every((n, i) => strideOf(n) === (strideAt.includes(i) ? s : 1));
    });
    if (consistent) out.push(makeClass(g, type, key, strideAt, items));
    else {
      // Strides that do not follow one `stride` argument: one class per stride pattern.
      const byStrides = new Map<string, BlockInstance[]>();
      for (const b of items) {
        const k = `${key}|${signature(template(b), b, true)}`;
        byStrides.set(k, [...(byStrides.get(k) ?? []), b]);
      }
      for (const [k, bs] of byStrides) out.push(makeClass(g, type, k, [], bs));
    }
  }
  const counts = new Map<string, number>();
  for (const c of out) {
    const k = (counts.get(c.name) ?? 0) + 1;
    counts.set(c.name, k);
    if (k > 1) c.name += String(k);
  }
  return out;
}

function makeClass(
  g: IrGraph,
  type: string,
  signature: string,
  strideAt: number[],
  instances: BlockInstance[],
): BlockClass {
  const hasDownsample = instances.some((b) => template(b).shortcut.length > 0);
  return { name: className(type), type, signature, strideAt, hasDownsample, instances };
}

/** basic -> BasicBlock, bottleneck -> Bottleneck, preact_basic -> PreactBasicBlock. */
export function className(type: string): string {
  const camel = type
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
  const safe = /^[0-9]/.test(camel) ? `Block${camel}` : camel;
  return /block|neck$/i.test(safe) ? safe : `${safe}Block`;
}

interface Emitted {
  lines: string[];
  helpers: Set<Helper>;
}

/** The class's Python source; `names` are torchvision module paths by node id. */
export function blockClassSource(
  g: IrGraph,
  c: BlockClass,
  names: Map<number, string>,
  helpers: Set<Helper>,
): string {
  const b = c.instances[0]!;
  const t = template(b);
  const prefix = `layer${b.stage + 1}.${b.index}.`;
  const attrs = attributeNames(t, names, prefix);
  const reluSafe = inplaceSafe(t, b);
  const init: string[] = [];
  const declared = new Set<string>();
  let lastNote = "";
  for (const [i, n] of [...t.pre, ...t.post].entries()) {
    const attr = attrs.get(n.id);
    if (attr === undefined || declared.has(attr)) continue;
    declared.add(attr);
    const cin = n.inputs[0] === b.input ? "inplanes" : t.channels.get(n.inputs[0]!)!;
    const stride = c.strideAt.includes(i) ? "stride" : String(strideOf(n));
    const m = moduleExpr(n, cin, t.channels.get(n.id)!, stride);
    if (!m) continue;
    if (m.helper) helpers.add(m.helper);
    const code = n.op === "relu" && !reluSafe ? "nn.ReLU()" : m.code;
    const note = spanNote(n.span);
    init.push(`        self.${attr} = ${code}${note && note !== lastNote ? `  # ${note}` : ""}`);
    if (note) lastNote = note;
  }
  if (c.hasDownsample) init.push("        self.downsample = downsample");
  const params = ["inplanes: int"];
  if (t.planes !== null) params.push("planes: int");
  if (c.strideAt.length) params.push("stride: int = 1");
  if (c.hasDownsample) params.push("downsample: Optional[nn.Module] = None");
  return [
    `class ${c.name}(nn.Module):`,
    `    """${docLine(c, t)}"""`,
    "",
    `    def __init__(self, ${params.join(", ")}) -> None:`,
    "        super().__init__()",
    ...init,
    "",
    "    def forward(self, x: Tensor) -> Tensor:",
    ...forwardLines(t, c, attrs, b),
  ].join("\n");
}

function docLine(c: BlockClass, t: Template): string {
  const op = (n: IrNode) => (n.op === "conv" ? `conv ${n.kernel.join("x")}` : n.op);
  const main = t.pre.map(op).join(" -> ");
  const add = t.add
    ? `, plus the shortcut${t.post.length ? `, then ${t.post.map(op).join(" -> ")}` : ""}`
    : "";
  return `The spec's \`${c.type}\` block: ${main}${add}.`;
}

/** Attribute names: torchvision's for weighted nodes, `relu`, `maxpool`, ... for the rest. */
function attributeNames(
  t: Template,
  names: Map<number, string>,
  prefix: string,
): Map<number, string> {
  const attrs = new Map<number, string>();
  const used = new Map<string, number>();
  for (const n of [...t.pre, ...t.post]) {
    const tv = names.get(n.id);
    if (tv !== undefined) {
      attrs.set(n.id, tv.startsWith(prefix) ? tv.slice(prefix.length) : tv.replace(/\./g, "_"));
      continue;
    }
    if (n.op === "flatten" || n.op === "softmax") continue;
    const base = plainAttr(n);
    if (n.op === "relu") {
      attrs.set(n.id, "relu");
      continue;
    }
    const k = (used.get(base) ?? 0) + 1;
    used.set(base, k);
    attrs.set(n.id, k === 1 ? base : `${base}${k}`);
  }
  return attrs;
}

/** An in-place ReLU is safe unless its input is the block input or feeds something else too. */
function inplaceSafe(t: Template, b: BlockInstance): boolean {
  const all = [...t.pre, ...(t.add ? [t.add] : []), ...t.post, ...t.shortcut];
  const consumers = (id: number) => all.filter((n) => n.inputs.includes(id)).length;
  return [...t.pre, ...t.post]
    .filter((n) => n.op === "relu")
    .every((n) => n.inputs[0] !== b.input && consumers(n.inputs[0]!) === 1);
}

function forwardLines(
  t: Template,
  c: BlockClass,
  attrs: Map<number, string>,
  b: BlockInstance,
): string[] {
  const vars = new Map<number, string>([[b.input, "x"]]);
  const lines: string[] = [];
  const srcIndex = t.src === "x" ? -1 : Number(t.src);
  let prev = "x";
  for (const [i, n] of t.pre.entries()) {
    const v = i === srcIndex ? "pre" : "out";
    lines.push(`        ${v} = ${call(n, attrs, vars.get(n.inputs[0]!) ?? prev)}`);
    vars.set(n.id, v);
    prev = v;
  }
  if (t.add) {
    const src = srcIndex < 0 ? "x" : "pre";
    if (c.hasDownsample) {
      const always =
        c.instances.length > 0 &&
        c.instances.every((i) => i.nodes.some((n) => n.branch === "shortcut"));
      lines.push(
        always
          ? `        identity = self.downsample(${src})`
          : `        identity = ${src} if self.downsample is None else self.downsample(${src})`,
      );
      lines.push(`        out = ${prev} + identity`);
    } else lines.push(`        out = ${prev} + ${src}`);
    vars.set(t.add.id, "out");
    prev = "out";
  }
  for (const n of t.post) {
    lines.push(`        out = ${call(n, attrs, prev)}`);
    prev = "out";
  }
  lines.push(`        return ${prev}`);
  return lines;
}

function call(n: IrNode, attrs: Map<number, string>, arg: string): string {
  if (n.op === "flatten") return `torch.flatten(${arg}, 1)`;
  if (n.op === "softmax") return `torch.softmax(${arg}, dim=1)`;
  const attr = attrs.get(n.id)!;
  const fn = `self.${attr}(${arg})`;
  return n.op === "globalavg" || n.op === "globalmax" ? `torch.flatten(${fn}, 1)` : fn;
}

/** The constructor call of one instance (downsample built from its shortcut nodes). */
export function instanceCall(
  g: IrGraph,
  c: BlockClass,
  b: BlockInstance,
  helpers: Set<Helper>,
): string {
  const t = template(b);
  const inShape = g.nodes[b.input]!.shape;
  const args = [String(inShape[inShape.length - 1])];
  if (t.planes !== null) args.push(String(t.planes));
  if (c.strideAt.length) {
    const s = strideOf(t.pre[c.strideAt[0]!]!);
    if (s !== 1) args.push(`stride=${s}`);
  }
  if (t.shortcut.length) {
    const mods = t.shortcut.map((n) => {
      const cin = g.nodes[n.inputs[0]!]!.shape.at(-1)!;
      const cout = n.op === "conv" ? n.filters : n.shape.at(-1)!;
      const m = moduleExpr(n, String(cin), String(cout), String(strideOf(n)));
      if (!m) throw new Error(`internal: ${n.name}: no module for ${n.op} in a shortcut`);
      if (m.helper) helpers.add(m.helper);
      return m.code;
    });
    // Option D without a pool (stride 1) keeps timm's positions: downsample.1 is the conv.
    const stage = g.groups.filter((x) => x.kind === "stage")[b.stage];
    if (stage?.shortcut === "D" && t.shortcut[0]!.op !== "avgpool") mods.unshift("nn.Identity()");
    args.push(
      `downsample=${mods.length === 1 && t.shortcut[0]!.op === "shortcutA" ? mods[0] : `nn.Sequential(${mods.join(", ")})`}`,
    );
  }
  return `${c.name}(${args.join(", ")})`;
}
