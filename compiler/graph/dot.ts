// The diagram as Graphviz DOT text (no Graphviz needed to produce it): one cluster per stage, the
// main path top to bottom, shortcuts as coloured edges (identity solid, zero-pad dashed, projection
// through its own node); shapes on the edges.
import type { Diagram, DiagramEdge, DiagramNode } from "./diagram.js";
import { GROUP_FILL, SHORTCUT_COLOR } from "./style.js";

function q(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function nodeLine(n: DiagramNode): string {
  const label = [n.title, ...n.lines]
    .map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"'))
    .join("\\n");
  const attrs: string[] = [`label="${label}"`];
  switch (n.kind) {
    case "input":
    case "output":
      attrs.push("shape=oval");
      break;
    case "add":
      attrs.push(n.lines.length ? "shape=ellipse" : "shape=circle", "width=0.3");
      break;
    case "projection":
      attrs.push(`color="${SHORTCUT_COLOR.projection}"`);
      break;
    case "block":
      if (n.count > 1) attrs.push("peripheries=2");
      break;
    default:
      break;
  }
  attrs.push(`class="${n.kind}"`);
  return `${n.id} [${attrs.join(", ")}];`;
}

function edgeLine(e: DiagramEdge): string {
  const attrs: string[] = [`label=${q(e.label)}`];
  if (e.kind === "shortcut" && e.shortcut !== null) {
    attrs.push(
      `color="${SHORTCUT_COLOR[e.shortcut]}"`,
      `fontcolor="${SHORTCUT_COLOR[e.shortcut]}"`,
    );
    if (e.shortcut === "zeropad") attrs.push("style=dashed");
    if (e.shortcut === "projection") attrs.push("penwidth=2");
    attrs.push(`class="shortcut ${e.shortcut}"`);
  } else attrs.push(`class="main"`);
  return `${e.from} -> ${e.to} [${attrs.join(", ")}];`;
}

export function toDot(d: Diagram): string {
  const id = d.variant === null ? d.name : `${d.name}_${d.variant}`;
  const out: string[] = [
    `digraph ${q(id)} {`,
    `  label=${q(d.title)};`,
    `  labelloc=t;`,
    `  rankdir=TB;`,
    `  fontname="Helvetica";`,
    `  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11];`,
    `  edge [fontname="Helvetica", fontsize=9];`,
  ];
  const byGroup = new Map<string | null, DiagramNode[]>();
  for (const n of d.nodes) {
    const list = byGroup.get(n.group) ?? [];
    list.push(n);
    byGroup.set(n.group, list);
  }
  for (const n of byGroup.get(null) ?? []) out.push(`  ${nodeLine(n)}`);
  for (const g of d.groups) {
    out.push(`  subgraph ${q(`cluster_${g.name}`)} {`);
    out.push(`    label=${q(g.label)};`);
    out.push(`    style="rounded,filled";`);
    out.push(`    fillcolor="${GROUP_FILL[g.kind]}";`);
    out.push(`    color="#c8c8c8";`);
    for (const n of byGroup.get(g.name) ?? []) out.push(`    ${nodeLine(n)}`);
    out.push(`  }`);
  }
  for (const e of d.edges) out.push(`  ${edgeLine(e)}`);
  out.push(`}`);
  return out.join("\n") + "\n";
}
