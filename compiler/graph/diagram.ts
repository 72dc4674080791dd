// A diagram of a checked network, by stage and block: the nodes and edges that the DOT, mermaid and
// SVG renderers draw. Layers are merged into units (a conv with the BN and ReLU after it); a residual
// block is one node for its branch F(x), an addition node, and its shortcut - identity, a projection
// (its own node), option A's zero-padding, or none (a plain net: no addition). Runs of identical
// consecutive blocks collapse into one node ("conv4_2 .. conv4_23 (x22)") unless `expand` is set.
import { analyze } from "../ir/analysis.js";
import { effectiveKernel, padNote } from "../ir/padding.js";
import { shapeText, type IrGraph, type IrNode, type Shape } from "../ir/types.js";

export type ShortcutKind = "identity" | "projection" | "zeropad" | "none";

export type DiagramNodeKind = "input" | "layer" | "block" | "add" | "projection" | "output";

export interface DiagramNode {
  /** n0, n1, ... in drawing order (top to bottom). */
  id: string;
  kind: DiagramNodeKind;
  /** "conv3_1", "conv4_2 .. conv4_23 (x22)", "3x3 conv, 16 · BN · ReLU" (a layer unit), "+", "input". */
  title: string;
  /** Further lines: a block's units, a projection's units, what follows an addition ("ReLU"). */
  lines: string[];
  /** The group (stem, stage or head) the node is drawn in; null for the input and output. */
  group: string | null;
  /** Blocks a block, addition or projection node stands for (1, or the length of a collapsed run). */
  count: number;
  /** The block names it stands for (first and last), blocks and their additions and projections. */
  blocks: [string, string] | null;
  /** Output shape of the node. */
  shape: Shape;
}

export interface DiagramEdge {
  from: string;
  to: string;
  /** "main": the path through the network; "shortcut": from a block's input to its addition. */
  kind: "main" | "shortcut";
  shortcut: ShortcutKind | null;
  /** The shape of the tensor on the edge, and for shortcuts what they do: "identity", "zero-pad (A) ...". */
  label: string;
}

export interface DiagramGroup {
  name: string;
  /** "conv3: basic x 4, shortcut B" or "conv1", "head". */
  label: string;
  kind: "layers" | "stage";
}

export interface DiagramBlock {
  first: string;
  last: string;
  count: number;
  group: string;
  shortcut: ShortcutKind;
  /** Node ids: the branch, the addition (null without a shortcut) and the projection (or null). */
  node: string;
  add: string | null;
  projection: string | null;
}

export interface Diagram {
  name: string;
  variant: string | null;
  title: string;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  groups: DiagramGroup[];
  blocks: DiagramBlock[];
}

export interface DiagramOptions {
  /** Draw every block, even runs of identical ones. */
  expand?: boolean;
}

/** "3x3 conv, 128, /2", "maxpool 3x3, /2", "BN", ... (the paper's Fig. 3 wording). */
export function opText(n: IrNode): string {
  switch (n.op) {
    case "conv":
      return (
        `${n.kernel.join("x")} conv, ${n.filters}` +
        ((n.groups ?? 1) > 1 ? `, C=${n.groups ?? 1}` : "") +
        ((n.dilation ?? 1) > 1 ? `, dilation ${n.dilation ?? 1}` : "") +
        (n.stride !== 1 ? `, /${n.stride}` : "") +
        padNote(effectiveKernel(n.kernel, n.dilation ?? 1), n.pad)
      );
    case "se":
      return `SE, ${n.hidden}`;
    case "dropout":
      return `dropout ${n.rate}`;
    case "droppath":
      return `drop path ${n.rate}`;
    case "bn":
      return "BN";
    case "relu":
      return "ReLU";
    case "maxpool":
    case "avgpool":
      return `${n.op} ${n.pool.join("x")}${n.stride !== 1 ? `, /${n.stride}` : ""}`;
    case "globalavg":
      return "global avgpool";
    case "globalmax":
      return "global maxpool";
    case "fc":
      return `fc ${n.units}`;
    case "softmax":
      return "softmax";
    case "flatten":
      return "flatten";
    case "add":
      return "+";
    case "shortcutA":
      return `subsample /${n.stride}, +${n.padChannels} zero channels`;
    case "input":
      return "input";
  }
}

/** Consecutive layers merged into units: a layer with the BN and ReLU right after it. */
export function units(nodes: readonly IrNode[]): IrNode[][] {
  const out: IrNode[][] = [];
  for (const n of nodes) {
    const cur = out[out.length - 1];
    const op = n.op;
    const absorbs =
      cur !== undefined &&
      ((op === "bn" && !cur.some((m) => m.op === "bn" || m.op === "relu")) ||
        (op === "relu" && !cur.some((m) => m.op === "relu")));
    if (absorbs) cur.push(n);
    else out.push([n]);
  }
  return out;
}

export function unitText(u: readonly IrNode[]): string {
  return u.map(opText).join(" · ");
}

interface RawBlock {
  name: string;
  group: string;
  input: IrNode;
  branch: IrNode[];
  shortcut: IrNode[];
  add: IrNode | null;
  post: IrNode[];
  kind: ShortcutKind;
  output: IrNode;
}

function rawBlock(g: IrGraph, name: string, nodes: IrNode[]): RawBlock {
  const inBlock = new Set(nodes.map((n) => n.id));
  const external = nodes.flatMap((n) => n.inputs).find((i) => !inBlock.has(i));
  const input = g.nodes[external ?? nodes[0]!.inputs[0]!]!;
  const add = nodes.find((n) => n.op === "add") ?? null;
  const shortcut = nodes.filter((n) => n.branch === "shortcut");
  const addIndex = add ? nodes.indexOf(add) : nodes.length;
  const branch = nodes.filter((n, i) => n.branch === "main" && i < addIndex);
  const post = add ? nodes.filter((n, i) => n.branch === "main" && i > addIndex) : [];
  let kind: ShortcutKind = "none";
  if (add) {
    if (shortcut.some((n) => n.op === "shortcutA")) kind = "zeropad";
    else if (shortcut.some((n) => n.op === "conv")) kind = "projection";
    else kind = "identity";
  }
  return {
    name,
    group: nodes[0]!.group,
    input,
    branch,
    shortcut,
    add,
    post,
    kind,
    output: nodes[nodes.length - 1]!,
  };
}

/** What identifies a block for collapsing: its layers, shortcut and shapes. */
function signature(b: RawBlock): string {
  const sh = (n: IrNode) => shapeText(n.shape);
  return JSON.stringify([
    b.group,
    b.kind,
    sh(b.input),
    sh(b.output),
    b.branch.map((n) => [opText(n), sh(n)]),
    b.shortcut.map((n) => [opText(n), sh(n)]),
    b.post.map(opText),
  ]);
}

function shortcutLabel(b: RawBlock): string {
  switch (b.kind) {
    case "identity":
      return "identity";
    case "zeropad": {
      const a = b.shortcut.find((n) => n.op === "shortcutA")!;
      return a.op === "shortcutA"
        ? `zero-pad (A): /${a.stride}, +${a.padChannels} ch`
        : "zero-pad (A)";
    }
    case "projection":
      return "projection";
    case "none":
      return "none";
  }
}

function groupLabel(g: IrGraph, name: string): { label: string; kind: "layers" | "stage" } {
  const grp = g.groups.find((x) => x.name === name);
  if (!grp || grp.kind !== "stage") return { label: name, kind: "layers" };
  return {
    label: `${name}: ${grp.blockType} x ${grp.blocks}, shortcut ${grp.shortcut}, ${shapeText(grp.output)}`,
    kind: "stage",
  };
}

export function diagramOf(g: IrGraph, opts: DiagramOptions = {}): Diagram {
  const a = analyze(g);
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const groups: DiagramGroup[] = [];
  const blocks: DiagramBlock[] = [];
  const seenGroups = new Set<string>();
  const add = (n: Omit<DiagramNode, "id">): DiagramNode => {
    const node = { id: `n${nodes.length}`, ...n };
    nodes.push(node);
    if (n.group !== null && !seenGroups.has(n.group)) {
      seenGroups.add(n.group);
      groups.push({ name: n.group, ...groupLabel(g, n.group) });
    }
    return node;
  };
  const mainEdge = (from: DiagramNode, to: DiagramNode) =>
    edges.push({
      from: from.id,
      to: to.id,
      kind: "main",
      shortcut: null,
      label: shapeText(from.shape),
    });

  const inputNode = g.nodes.find((n) => n.op === "input")!;
  let prev = add({
    kind: "input",
    title: "input",
    lines: [],
    group: null,
    count: 1,
    blocks: null,
    shape: inputNode.shape,
  });

  // Walk the IR in order: layers outside blocks become units, blocks are gathered whole.
  const items: ({ kind: "unit"; nodes: IrNode[] } | { kind: "block"; block: RawBlock })[] = [];
  const rest = g.nodes.filter((n) => n.op !== "input");
  for (let i = 0; i < rest.length;) {
    const n = rest[i]!;
    if (n.block !== null) {
      const name = n.block;
      let j = i;
      while (j < rest.length && rest[j]!.block === name) j++;
      items.push({ kind: "block", block: rawBlock(g, name, rest.slice(i, j)) });
      i = j;
      continue;
    }
    let j = i;
    while (j < rest.length && rest[j]!.block === null && rest[j]!.group === n.group) j++;
    for (const u of units(rest.slice(i, j))) items.push({ kind: "unit", nodes: u });
    i = j;
  }

  for (let i = 0; i < items.length;) {
    const it = items[i]!;
    if (it.kind === "unit") {
      const last = it.nodes[it.nodes.length - 1]!;
      const node = add({
        kind: "layer",
        title: unitText(it.nodes),
        lines: [],
        group: last.group,
        count: 1,
        blocks: null,
        shape: last.shape,
      });
      mainEdge(prev, node);
      prev = node;
      i++;
      continue;
    }
    // A run of identical blocks (length 1 when expanded or when the next one differs).
    const b = it.block;
    const sig = signature(b);
    let j = i + 1;
    if (!opts.expand) {
      while (j < items.length) {
        const nx = items[j]!;
        if (nx.kind !== "block" || signature(nx.block) !== sig) break;
        j++;
      }
    }
    const count = j - i;
    const lastBlock = (items[j - 1] as { block: RawBlock }).block;
    const range: [string, string] = [b.name, lastBlock.name];
    const title = count === 1 ? b.name : `${b.name} .. ${lastBlock.name} (x${count})`;
    const branchOut = b.branch[b.branch.length - 1] ?? b.input;
    const blockNode = add({
      kind: "block",
      title,
      lines: units(b.kind === "none" ? [...b.branch, ...b.post] : b.branch).map(unitText),
      group: b.group,
      count,
      blocks: range,
      shape: b.kind === "none" ? b.output.shape : branchOut.shape,
    });
    mainEdge(prev, blockNode);
    let addId: string | null = null;
    let projId: string | null = null;
    if (b.kind === "none") {
      prev = blockNode;
    } else {
      let proj: DiagramNode | null = null;
      if (b.kind === "projection") {
        proj = add({
          kind: "projection",
          title: "projection",
          lines: units(b.shortcut).map(unitText),
          group: b.group,
          count,
          blocks: range,
          shape: b.shortcut[b.shortcut.length - 1]!.shape,
        });
        projId = proj.id;
      }
      const addNode = add({
        kind: "add",
        title: "+",
        lines: b.post.map(opText),
        group: b.group,
        count,
        blocks: range,
        shape: b.output.shape,
      });
      addId = addNode.id;
      edges.push({
        from: blockNode.id,
        to: addNode.id,
        kind: "main",
        shortcut: null,
        label: shapeText(blockNode.shape),
      });
      if (proj) {
        edges.push({
          from: prev.id,
          to: proj.id,
          kind: "shortcut",
          shortcut: "projection",
          label: shapeText(prev.shape),
        });
        edges.push({
          from: proj.id,
          to: addNode.id,
          kind: "shortcut",
          shortcut: "projection",
          label: shapeText(proj.shape),
        });
      } else {
        edges.push({
          from: prev.id,
          to: addNode.id,
          kind: "shortcut",
          shortcut: b.kind,
          label: shortcutLabel(b),
        });
      }
      prev = addNode;
    }
    blocks.push({
      first: range[0],
      last: range[1],
      count,
      group: b.group,
      shortcut: b.kind,
      node: blockNode.id,
      add: addId,
      projection: projId,
    });
    i = j;
  }

  const out = add({
    kind: "output",
    title: "output",
    lines: [],
    group: null,
    count: 1,
    blocks: null,
    shape: prev.shape,
  });
  mainEdge(prev, out);

  const name = g.variant === null ? g.name : `${g.name} ${g.variant}`;
  const mparams =
    a.params >= 1e6 ? `${(a.params / 1e6).toFixed(1)}M` : `${(a.params / 1e3).toFixed(0)}K`;
  return {
    name: g.name,
    variant: g.variant,
    title: `${name}: ${a.depth} layers, ${mparams} params, input ${shapeText(g.input)}`,
    nodes,
    edges,
    groups,
    blocks,
  };
}
