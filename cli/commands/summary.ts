// resnetc summary FILE: every layer with its inferred output shape, parameters, multiply-adds and
// source line, grouped by stage and block (Keras' summary, with TVM Relay's shapes-beside-code).
import { analyze, type NodeCounts } from "../../compiler/ir/analysis.js";
import { effectiveKernel, padNote } from "../../compiler/ir/padding.js";
import { shapeText, type IrGraph, type IrNode } from "../../compiler/ir/types.js";
import { displayPath } from "../../grammar/diagnostic.js";
import { compileAll, type CompileFlags } from "../compile.js";
import type { Output } from "../output.js";
import { int, renderTable } from "../text-table.js";

export interface SummaryFlags extends CompileFlags {
  blocks?: boolean;
}

export function summaryCommand(o: Output, files: string[], flags: SummaryFlags): void {
  const results = compileAll(o, files, flags);
  const graphs = results.flatMap((r) => r.graphs);
  if (flags.json) {
    o.out(JSON.stringify({ models: graphs.map((g) => summaryJson(g, o.cwd)) }, null, 2));
    return;
  }
  o.out(graphs.map((g) => summaryText(g, o.cwd, Boolean(flags.blocks))).join("\n\n"));
}

export function describeNode(n: IrNode): string {
  switch (n.op) {
    case "conv": {
      const g = (n.groups ?? 1) > 1 ? `, groups ${n.groups ?? 1}` : "";
      const d = (n.dilation ?? 1) > 1 ? `, dilation ${n.dilation ?? 1}` : "";
      const s = `${n.kernel.join("x")}, ${n.filters}${g}${d}${n.stride !== 1 ? `, stride ${n.stride}` : ""}${padNote(effectiveKernel(n.kernel, n.dilation ?? 1), n.pad)}`;
      return n.branch === "shortcut" ? `projection ${s}` : `conv ${s}`;
    }
    case "bn":
      return "batch norm";
    case "maxpool":
    case "avgpool":
      return `${n.op} ${n.pool.join("x")}, stride ${n.stride}${padNote(n.pool, n.pad)}`;
    case "globalavg":
      return "global avgpool";
    case "globalmax":
      return "global maxpool";
    case "fc":
      return `fc ${n.units}`;
    case "add":
      return "add shortcut";
    case "shortcutA":
      return `shortcut A: subsample /${n.stride}, +${n.padChannels} zero channels`;
    case "se":
      return `squeeze-excite, ${n.hidden}`;
    case "dropout":
      return `dropout ${n.rate}`;
    case "droppath":
      return `drop path ${n.rate}`;
    default:
      return n.op;
  }
}

function source(n: IrNode, cwd: string): string {
  return n.span ? `${displayPath(n.span.file, cwd).split("/").pop()}:${n.span.line}` : "";
}

function title(g: IrGraph): string {
  return g.variant === null ? g.name : `${g.name} ${g.variant}`;
}

export function summaryText(g: IrGraph, cwd: string, blocksOnly: boolean): string {
  const a = analyze(g);
  const rows: string[][] = [];
  const dash = (n: number) => (n ? int(n) : "-");
  for (const grp of g.groups) {
    const nodes = g.nodes.filter((n) => n.group === grp.name);
    const ga = a.groups.find((x) => x.name === grp.name)!;
    const label =
      grp.kind === "stage"
        ? `${grp.name} (${grp.blockType} x ${grp.blocks}, shortcut ${grp.shortcut})`
        : grp.name;
    rows.push([label, "", shapeText(grp.output), dash(ga.params), dash(ga.multiplyAdds), ""]);
    let lastBlock: string | null = null;
    for (const n of nodes) {
      if (n.block && n.block !== lastBlock) {
        lastBlock = n.block;
        const bn = nodes.filter((x) => x.block === n.block);
        const last = bn[bn.length - 1];
        rows.push([
          `  ${n.block}`,
          "",
          shapeText(last.shape),
          dash(sum(a.nodes, bn, "params")),
          dash(sum(a.nodes, bn, "madds")),
          source(last, cwd),
        ]);
      }
      if (blocksOnly && n.block) continue;
      rows.push([
        `${n.block ? "    " : "  "}${n.name}`,
        describeNode(n),
        shapeText(n.shape),
        dash(a.nodes[n.id]!.params),
        dash(a.nodes[n.id]!.madds),
        source(n, cwd),
      ]);
    }
  }
  const head = `${title(g)}: input ${shapeText(g.input)}, ${a.depth} weighted layers, ${int(a.params)} params (+${int(a.state)} BN statistics), ${int(a.multiplyAdds)} multiply-adds`;
  return (
    head +
    "\n\n" +
    renderTable(["layer", "op", "output", "params", "multiply-adds", "source"], rows, [
      "l",
      "l",
      "r",
      "r",
      "r",
      "l",
    ])
  );
}

function sum(counts: NodeCounts[], ns: IrNode[], k: "params" | "madds"): number {
  return ns.reduce((s, n) => s + counts[n.id]![k], 0);
}

function summaryJson(g: IrGraph, cwd: string) {
  const a = analyze(g);
  return {
    name: g.name,
    variant: g.variant,
    depth: a.depth,
    input: g.input,
    params: a.params,
    multiplyAdds: a.multiplyAdds,
    layers: g.nodes
      .filter((n) => n.op !== "input")
      .map((n) => ({
        name: n.name,
        op: n.op,
        group: n.group,
        block: n.block,
        output: n.shape,
        params: a.nodes[n.id]!.params,
        multiplyAdds: a.nodes[n.id]!.madds,
        source: n.span
          ? { file: displayPath(n.span.file, cwd), line: n.span.line, column: n.span.col }
          : null,
      })),
  };
}
