// The diagram as a mermaid flowchart (renders on GitHub and in many editors): one subgraph per
// stage, the main path top to bottom, shortcuts as dotted (identity, zero-pad) or thick
// (projection) links, coloured by kind; shapes on the links.
import type { Diagram, DiagramNode } from "./diagram.js";
import { SHORTCUT_COLOR } from "./style.js";

/** Mermaid label text: quotes and angle brackets as entities, lines joined by <br/>. */
function text(s: string): string {
  return s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function nodeLine(n: DiagramNode): string {
  const label = [n.title, ...n.lines].map(text).join("<br/>");
  switch (n.kind) {
    case "input":
    case "output":
      return `${n.id}(["${label}"])`;
    case "add":
      return `${n.id}(("${label}"))`;
    case "projection":
      return `${n.id}[/"${label}"/]`;
    default:
      return `${n.id}["${label}"]`;
  }
}

function groupId(name: string): string {
  return `g_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

export function toMermaid(d: Diagram): string {
  const out: string[] = ["flowchart TB", `  %% ${text(d.title)}`];
  for (const n of d.nodes.filter((x) => x.group === null && x.kind === "input"))
    out.push(`  ${nodeLine(n)}`);
  for (const g of d.groups) {
    out.push(`  subgraph ${groupId(g.name)}["${text(g.label)}"]`);
    out.push(`    direction TB`);
    for (const n of d.nodes.filter((x) => x.group === g.name)) out.push(`    ${nodeLine(n)}`);
    out.push(`  end`);
  }
  for (const n of d.nodes.filter((x) => x.group === null && x.kind !== "input"))
    out.push(`  ${nodeLine(n)}`);
  const styles: string[] = [];
  d.edges.forEach((e, i) => {
    const label = `|"${text(e.label)}"|`;
    if (e.kind === "main") {
      out.push(`  ${e.from} -->${label} ${e.to}`);
      return;
    }
    const arrow = e.shortcut === "projection" ? "==>" : "-.->";
    out.push(`  ${e.from} ${arrow}${label} ${e.to}`);
    if (e.shortcut !== null)
      styles.push(
        `  linkStyle ${i} stroke:${SHORTCUT_COLOR[e.shortcut]},color:${SHORTCUT_COLOR[e.shortcut]}`,
      );
  });
  out.push(...styles);
  out.push(`  classDef add fill:#fff7e0,stroke:#b08800`);
  out.push(`  classDef proj fill:#fdebd9,stroke:${SHORTCUT_COLOR.projection}`);
  const adds = d.nodes.filter((n) => n.kind === "add").map((n) => n.id);
  const projs = d.nodes.filter((n) => n.kind === "projection").map((n) => n.id);
  if (adds.length) out.push(`  class ${adds.join(",")} add`);
  if (projs.length) out.push(`  class ${projs.join(",")} proj`);
  return out.join("\n") + "\n";
}
