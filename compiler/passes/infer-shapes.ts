// The first pass, ModelInstance -> IrGraph: infers the shape after every layer, resolves every
// padding request to per-side amounts, and checks every residual addition. Shape errors
// (RN201-RN206) point at the line that caused them; inference goes on after an error (with the
// block's own output shape) so that one run reports all of them.
import type { Span } from "../../grammar/ast.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import type { BlockInstance, LayerSpec, ModelInstance, Padding } from "../instance.js";
import { effectiveKernel, resolvePads, windowOutput } from "../ir/padding.js";
import { LIMIT_HINT, LIMITS } from "../limits.js";
import {
  shapeText,
  type IrGraph,
  type IrGroup,
  type IrNode,
  type IrOp,
  type Pads,
  type Shape,
} from "../ir/types.js";

/** Batch norm as PyTorch and the paper's Caffe models define it (tfjs' momentum is 1 - this). */
export const BN = { epsilon: 1e-5, momentum: 0.1 };

interface Ctx {
  nodes: IrNode[];
  out: Diagnostic[];
  group: string;
  block: string | null;
  branch: "main" | "shortcut";
  names: Map<string, number>;
  /** Every node name given so far (names are unique). */
  used: Set<string>;
  /** Inside a block: the stage line that made it (errors point there, the user's code). */
  blockSpan: Span | null;
  /** Table cells of SE layers (`fc, [16, 256]`, as Hu et al. write them), by layer. */
  seCells: Map<LayerSpec, string>;
  /** RN122 was reported (once per network). */
  tooLarge: boolean;
}

export function inferShapes(inst: ModelInstance, out: Diagnostic[]): IrGraph | null {
  const before = out.length;
  const ctx: Ctx = {
    nodes: [],
    out,
    group: "input",
    block: null,
    branch: "main",
    names: new Map(),
    used: new Set(),
    blockSpan: null,
    seCells: new Map(),
    tooLarge: false,
  };
  let cur = add(ctx, { op: "input" }, [], inst.input, inst.inputSpan, "input");
  const groups: IrGroup[] = [];
  let logits = -1;
  for (const sec of inst.sections) {
    ctx.group = sec.kind === "stage" ? sec.name : sec.group;
    ctx.block = null;
    let g = groups.find((x) => x.name === ctx.group);
    if (!g) {
      g = {
        name: ctx.group,
        kind: sec.kind,
        blocks: 0,
        output: [],
        description: [],
        shortcut: null,
        blockType: null,
      };
      groups.push(g);
    }
    if (sec.kind === "layers") {
      for (const l of sec.layers) {
        cur = layer(ctx, l, cur);
        if (l.op === "fc") logits = cur;
        g.description.push(describeLayer(l));
      }
    } else {
      g.kind = "stage";
      for (const b of sec.blocks) {
        ctx.block = `${sec.name}_${b.index}`;
        cur = block(ctx, b, cur, sec.name);
      }
      g.blocks += sec.blocks.length;
      const first = sec.blocks[0];
      if (first) {
        g.description.push(
          `[${first.layers
            .filter((l) => l.op !== "dropout")
            .map((l) => ctx.seCells.get(l) ?? describeLayer(l, false))
            .join("; ")}] x ${sec.blocks.length}`,
        );
        g.shortcut = first.shortcut;
        g.blockType = first.type;
      }
    }
    if (ctx.nodes[cur]) g.output = ctx.nodes[cur].shape;
  }
  const head = inst.sections[inst.sections.length - 1];
  if (logits < 0) {
    out.push(
      error(
        "RN206",
        `the head of '${inst.name}' has no fc layer`,
        head.kind === "layers" && head.layers[0] ? head.layers[0].span : inst.headSpan,
        "end the head with the classifier, e.g. `head { global avgpool; fc 1000; softmax }`",
      ),
    );
  } else {
    ctx.nodes[logits].role = "classifier";
  }
  const output = ctx.nodes.length - 1;
  const last = ctx.nodes[output];
  if (logits >= 0 && last.op !== "fc" && last.op !== "softmax") {
    out.push(
      error(
        "RN206",
        `the head must end with fc (or fc then softmax), but ends with '${last.op}'`,
        last.span,
        "the class scores are the model's output",
      ),
    );
  }
  // Shape errors depend on the variant: tag them, the checker merges and names the variants.
  if (inst.variant !== null)
    for (let i = before; i < out.length; i++) out[i] = { ...out[i], variant: inst.variant };
  if (out.length > before) return null;
  return {
    name: inst.name,
    variant: inst.variant,
    layout: "NHWC",
    input: inst.input,
    nodes: ctx.nodes,
    groups: groups.filter((g) => g.name !== "input"),
    logits,
    output,
    weights: new Map(),
  };
}

function add(
  ctx: Ctx,
  op: IrOp,
  inputs: number[],
  shape: Shape,
  span: Span | null,
  base: string,
): number {
  const prefix = ctx.block ?? (ctx.group === "head" || ctx.group === "input" ? "" : ctx.group);
  const key = `${prefix}/${base}`;
  const n = (ctx.names.get(key) ?? 0) + 1;
  ctx.names.set(key, n);
  const numbered = COUNTED.has(base) ? `${base}${n}` : base;
  const name = prefix ? `${prefix}_${numbered}` : numbered;
  const node = {
    ...op,
    id: ctx.nodes.length,
    name: uniqueName(ctx, name),
    inputs,
    shape,
    span,
    group: ctx.group,
    block: ctx.block,
    branch: ctx.branch,
  } as IrNode;
  ctx.nodes.push(node);
  checkSize(ctx, node);
  return node.id;
}

/** A feature map or a graph too large to build is an error once, at the line that made it. */
function checkSize(ctx: Ctx, n: IrNode): void {
  if (ctx.tooLarge) return;
  const elements = n.shape.reduce((a, b) => a * b, 1);
  const what =
    elements > LIMITS.featureMap
      ? `the ${shapeText(n.shape)} output of ${n.name} has ${elements.toExponential(2)} values, over the limit of 2^30 per example`
      : ctx.nodes.length > LIMITS.nodes
        ? `the network has more than ${LIMITS.nodes} layers`
        : null;
  if (!what) return;
  ctx.tooLarge = true;
  ctx.out.push(error("RN122", what, ctx.blockSpan ?? n.span, LIMIT_HINT));
}

const COUNTED = new Set(["conv", "bn", "relu", "pad", "maxpool", "avgpool"]);

function uniqueName(ctx: Ctx, name: string): string {
  let n = name;
  let i = 2;
  while (ctx.used.has(n)) n = `${name}_${i++}`;
  ctx.used.add(n);
  return n;
}

/** Output size and per-side padding of a window op, or null (reported) when it cannot be. */
function spatial(
  ctx: Ctx,
  inp: Shape,
  k: [number, number],
  stride: number,
  req: Padding,
  span: Span,
  what: string,
): { dims: [number, number]; pads: Pads } | null {
  const [h, w] = inp;
  const pads = resolvePads(req, h, w, k, stride);
  const dims: [number, number] =
    req === "same" || req === "auto"
      ? [h / stride, w / stride]
      : [
          windowOutput(h, pads.top, pads.bottom, k[0], stride),
          windowOutput(w, pads.left, pads.right, k[1], stride),
        ];
  const where = ctx.block ?? ctx.group;
  const at =
    ctx.blockSpan && ctx.blockSpan.file !== span.file ? ` (${what} at ${fileLine(span)})` : "";
  if (ctx.blockSpan) span = ctx.blockSpan;
  if (dims.some((d) => d < 1)) {
    ctx.out.push(
      error(
        "RN202",
        `${what} makes the feature map smaller than 1x1 in ${where}: ${h}x${w} input, ${k[0]}x${k[1]} window, stride ${stride}${at}`,
        span,
        "the input is too small for this many downsamplings: use a larger input or fewer stride-2 stages",
      ),
    );
    return null;
  }
  if (dims.some((d) => !Number.isInteger(d))) {
    ctx.out.push(
      error(
        "RN202",
        `stride ${stride} does not divide the ${h}x${w} feature map in ${where}: the output would be ${dims.map((d) => +d.toFixed(2)).join("x")}${at}`,
        span,
        "make the input size divisible by the product of the strides up to here",
      ),
    );
    return null;
  }
  return { dims, pads };
}

function fileLine(s: Span): string {
  return `${s.file.split("/").pop()}:${s.line}`;
}

function isFlat(s: Shape) {
  return s.length === 1;
}

function layer(ctx: Ctx, l: LayerSpec, x: number): number {
  const inp = ctx.nodes[x].shape;
  switch (l.op) {
    case "conv": {
      if (isFlat(inp)) return needsMap(ctx, l, x);
      const [h, w] = inp;
      const what = `conv ${l.kernel.join("x")}`;
      const groups = checkGroups(ctx, l, inp[2]!, what) ? l.groups : 1;
      const k = effectiveKernel(l.kernel, l.dilation);
      const sp = spatial(ctx, inp, k, l.stride, l.pad, l.span, what);
      const shape = sp ? [sp.dims[0], sp.dims[1], l.filters] : [h, w, l.filters];
      const pad = sp ? sp.pads : resolvePads("valid", h, w, k, l.stride);
      const conv: IrOp = {
        op: "conv",
        kernel: l.kernel,
        filters: l.filters,
        stride: l.stride,
        pad,
        bias: l.bias,
        groups,
        dilation: l.dilation,
      };
      let y = add(ctx, conv, [x], shape, l.span, "conv");
      if (l.bn) y = add(ctx, { op: "bn", ...BN }, [y], shape, l.span, "bn");
      if (l.relu) y = add(ctx, { op: "relu" }, [y], shape, l.span, "relu");
      return y;
    }
    case "bn":
      return add(ctx, { op: "bn", ...BN }, [x], inp, l.span, "bn");
    case "relu":
      return add(ctx, { op: "relu" }, [x], inp, l.span, "relu");
    case "maxpool":
    case "avgpool": {
      if (isFlat(inp)) return needsMap(ctx, l, x);
      const sp = spatial(ctx, inp, l.pool, l.stride, l.pad, l.span, l.op);
      const pad = sp ? sp.pads : resolvePads("valid", inp[0], inp[1], l.pool, l.stride);
      const shape = sp ? [sp.dims[0], sp.dims[1], inp[2]] : inp;
      const win = { pool: l.pool, stride: l.stride, pad };
      // TensorFlow's `same` leaves padded cells out of the average; explicit padding counts them.
      const sameRule = l.pad === "same" || (l.pad === "auto" && l.pool.some((k) => k % 2 === 0));
      const op: IrOp =
        l.op === "maxpool"
          ? { op: "maxpool", ...win }
          : { op: "avgpool", ...win, countPad: !sameRule };
      return add(ctx, op, [x], shape, l.span, l.op);
    }
    case "globalavg":
    case "globalmax":
      if (isFlat(inp)) return needsMap(ctx, l, x);
      return add(ctx, { op: l.op }, [x], [inp[2]], l.span, "pool");
    case "flatten":
      return add(ctx, { op: "flatten" }, [x], [inp.reduce((a, b) => a * b, 1)], l.span, "flatten");
    case "fc": {
      if (!isFlat(inp)) {
        ctx.out.push(
          error(
            "RN203",
            `fc needs a flat input, but gets a feature map of ${shapeText(inp)}`,
            l.span,
            "put `global avgpool` (the paper) or `flatten` before it",
          ),
        );
        return add(ctx, { op: "fc", units: l.units }, [x], [l.units], l.span, "fc");
      }
      return add(ctx, { op: "fc", units: l.units }, [x], [l.units], l.span, "fc");
    }
    case "softmax":
      return add(ctx, { op: "softmax" }, [x], inp, l.span, "softmax");
    case "se": {
      if (isFlat(inp)) return needsMap(ctx, l, x);
      const c = inp[2]!;
      if (c % l.reduction !== 0) {
        const { span, at } = userSpan(ctx, l.span, `se ${l.reduction}`);
        ctx.out.push(
          error(
            "RN208",
            `se ${l.reduction} needs channels divisible by ${l.reduction}, but ${ctx.block ?? ctx.group} has ${c}${at}`,
            span,
            `the squeeze has C/R units: choose R dividing ${c}, e.g. ${divisorNear(c, l.reduction)}`,
          ),
        );
      }
      const hidden = Math.max(1, Math.floor(c / l.reduction));
      ctx.seCells.set(l, `fc, [${hidden}, ${c}]`);
      return add(ctx, { op: "se", hidden }, [x], inp, l.span, "se");
    }
    case "dropout":
      return add(ctx, { op: "dropout", rate: l.rate }, [x], inp, l.span, "dropout");
  }
}

/** Inside a block, errors point at the stage line (the user's), naming the layer's own place. */
function userSpan(ctx: Ctx, span: Span, what: string): { span: Span; at: string } {
  const at =
    ctx.blockSpan && ctx.blockSpan.file !== span.file ? ` (${what} at ${fileLine(span)})` : "";
  return { span: ctx.blockSpan ?? span, at };
}

/** RN207: a grouped convolution whose input or output channels the groups do not divide. */
function checkGroups(ctx: Ctx, l: LayerSpec & { op: "conv" }, cin: number, what: string) {
  if (l.groups === 1 || (cin % l.groups === 0 && l.filters % l.groups === 0)) return true;
  const { span, at } = userSpan(ctx, l.span, what);
  const bad = [
    cin % l.groups ? `${cin} input channels` : "",
    l.filters % l.groups ? `${l.filters} output channels` : "",
  ].filter(Boolean);
  ctx.out.push(
    error(
      "RN207",
      `${what} with groups ${l.groups} needs channels divisible by ${l.groups}, but has ${bad.join(" and ")} in ${ctx.block ?? ctx.group}${at}`,
      span,
      "every group sees C_in/G input channels and makes C_out/G outputs: make both multiples of G",
    ),
  );
  return false;
}

function divisorNear(c: number, r: number): number {
  for (let d = 0; d < c; d++) {
    if (r - d >= 1 && c % (r - d) === 0) return r - d;
    if (c % (r + d) === 0) return r + d;
  }
  return 1;
}

function needsMap(ctx: Ctx, l: LayerSpec, x: number): number {
  const name =
    l.op === "globalavg" ? "global avgpool" : l.op === "globalmax" ? "global maxpool" : l.op;
  ctx.out.push(
    error(
      "RN203",
      `${name} needs an HxWxC feature map, but gets a flat vector of ${ctx.nodes[x].shape[0]}`,
      l.span,
      "convolutions and pooling go before `global avgpool`/`flatten`",
    ),
  );
  return x;
}

function block(ctx: Ctx, b: BlockInstance, x: number, stage: string): number {
  const inp = ctx.nodes[x].shape;
  ctx.branch = "main";
  let y = x;
  ctx.blockSpan = b.span;
  for (const l of b.layers) y = layer(ctx, l, y);
  ctx.blockSpan = null;
  const outShape = ctx.nodes[y].shape;
  if (b.dropPath && b.shortcut !== "none")
    y = add(ctx, { op: "droppath", rate: b.dropPath }, [y], outShape, b.span, "drop_path");
  const where = `${stage}_${b.index}`;
  if (b.shortcut !== "none") {
    let sc: number | null = x;
    const same = shapeText(inp) === shapeText(outShape);
    const mode = b.shortcut;
    if (isFlat(outShape) || isFlat(inp)) {
      sc = null;
    } else if (mode === "C" || (!same && mode !== "identity")) {
      const s = inp[0] / outShape[0];
      const okStride = Number.isInteger(s) && s >= 1 && inp[1] / outShape[1] === s;
      if (!okStride) {
        ctx.out.push(
          error(
            "RN201",
            `residual addition in ${where} cannot match shapes: the block maps ${shapeText(inp)} to ${shapeText(outShape)}, which no whole stride gives`,
            b.span,
            "a block may only keep the size or divide it by its stride",
          ),
        );
        sc = null;
      } else if (mode === "A") {
        if (outShape[2] < inp[2]) {
          ctx.out.push(
            error(
              "RN204",
              `option A cannot reduce channels in ${where}: ${inp[2]} -> ${outShape[2]}; zero padding only adds channels`,
              b.span,
              "use `shortcut B` (a 1x1 projection) for this stage",
            ),
          );
          sc = null;
        } else {
          ctx.branch = "shortcut";
          sc = add(
            ctx,
            { op: "shortcutA", stride: s, padChannels: outShape[2] - inp[2] },
            [x],
            outShape,
            b.span,
            "shortcut",
          );
        }
      } else {
        ctx.branch = "shortcut";
        const c = outShape[2];
        let from = x;
        let stride = s;
        if (mode === "D" && s > 1) {
          // ResNet-D: AvgPool2d(2, s, ceil_mode=True, count_include_pad=False), then a stride-1 1x1.
          const pool: IrOp = {
            op: "avgpool",
            pool: [2, 2],
            stride: s,
            pad: ceilPads(inp[0], inp[1], s),
            countPad: false,
          };
          from = add(ctx, pool, [x], [outShape[0], outShape[1], inp[2]], b.span, "proj_pool");
          stride = 1;
        }
        const at = ctx.nodes[from].shape;
        const proj: IrOp = {
          op: "conv",
          kernel: [1, 1],
          filters: c,
          stride,
          pad: resolvePads("valid", at[0], at[1], [1, 1], stride),
          bias: false,
          groups: 1,
          dilation: 1,
        };
        const p = add(ctx, proj, [from], outShape, b.span, "proj");
        sc = add(ctx, { op: "bn", ...BN }, [p], outShape, b.span, "proj_bn");
      }
    } else if (!same) {
      // identity, shapes differ
      const label = changeText(inp, outShape);
      ctx.out.push(
        error(
          "RN201",
          `residual addition needs equal shapes, got ${shapeText(outShape)} (block) + ${shapeText(inp)} (shortcut) in ${where}`,
          b.span,
          outShape[2] >= inp[2]
            ? "use `shortcut A` (zero-padding, no parameters) or `shortcut B` (1x1 projection)"
            : "use `shortcut B` (1x1 projection)",
          `${stage} ${label}, but the shortcut is identity`,
        ),
      );
      sc = null;
    }
    ctx.branch = "main";
    if (sc !== null) y = add(ctx, { op: "add" }, [y, sc], outShape, b.span, "add");
  }
  ctx.branch = "main";
  if (b.post === "relu") y = add(ctx, { op: "relu" }, [y], outShape, b.span, "out");
  return y;
}

function changeText(a: Shape, b: Shape): string {
  const parts: string[] = [];
  if (b[2] !== a[2])
    parts.push(
      b[2] === 2 * a[2] ? "doubles the channels" : `changes the channels from ${a[2]} to ${b[2]}`,
    );
  if (b[0] !== a[0])
    parts.push(a[0] === 2 * b[0] ? "halves the size" : `changes the size from ${a[0]} to ${b[0]}`);
  return parts.join(" and ");
}

/** Table 1's words for a layer; inside blocks the paper leaves the stride out. */
function describeLayer(l: LayerSpec, withStride = true): string {
  switch (l.op) {
    case "conv": {
      const g = l.groups > 1 ? `, C=${l.groups}` : "";
      const d = l.dilation > 1 ? `, dilation ${l.dilation}` : "";
      return `${l.kernel.join("x")}, ${l.filters}${g}${d}${withStride && l.stride !== 1 ? `, stride ${l.stride}` : ""}`;
    }
    case "dropout":
      return `dropout ${l.rate}`;
    case "se":
      return `se 1/${l.reduction}`;
    case "maxpool":
    case "avgpool":
      return `${l.pool.join("x")} ${l.op === "maxpool" ? "max" : "avg"} pool, stride ${l.stride}`;
    case "globalavg":
      return "global average pool";
    case "globalmax":
      return "global max pool";
    case "fc":
      return `${l.units}-d fc`;
    default:
      return l.op;
  }
}

/** PyTorch's ceil mode for a 2x2 window with stride s: the extra cells below and to the right. */
function ceilPads(h: number, w: number, s: number): Pads {
  const extra = (x: number) => {
    const out = Math.ceil((x - 2) / s) + 1;
    return Math.max(0, (out - 1) * s + 2 - x);
  };
  return { top: 0, bottom: extra(h), left: 0, right: extra(w) };
}
