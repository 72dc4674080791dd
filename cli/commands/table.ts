// resnetc table FILE...: the paper's Table 1 layout, a column per model variant, with the paper's
// multiply-adds (or CIFAR parameters) beside ours. --json gives the stable machine form.
import { analyze } from "../../compiler/ir/analysis.js";
import type { IrGraph } from "../../compiler/ir/types.js";
import { paperFigures } from "../../compiler/paper.js";
import { compileAll, type CompileFlags } from "../compile.js";
import type { Output } from "../output.js";
import { int, renderTable, sci } from "../text-table.js";

export function tableCommand(o: Output, files: string[], flags: CompileFlags): void {
  const graphs = compileAll(o, files, flags).flatMap((r) => r.graphs);
  if (flags.json) {
    o.out(JSON.stringify(tableJson(graphs), null, 2));
    return;
  }
  o.out(tableText(graphs));
}

export function tableJson(graphs: IrGraph[]) {
  return {
    models: graphs.map((g) => {
      const a = analyze(g);
      const paper = paperFigures(g, a.depth);
      return {
        name: g.name,
        variant: g.variant,
        depth: a.depth,
        input: g.input,
        params: a.params,
        multiplyAdds: a.multiplyAdds,
        stages: g.groups
          .filter((s) => s.name !== "head")
          .map((s) => ({ name: s.name, blocks: s.blocks, output: s.output })),
        ...(paper ? { paper } : {}),
      };
    }),
  };
}

function rowName(name: string, kind: "layers" | "stage"): string {
  return kind === "stage" ? `${name}_x` : name;
}

export function tableText(graphs: IrGraph[]): string {
  const names: { name: string; kind: "layers" | "stage" }[] = [];
  for (const g of graphs)
    for (const s of g.groups)
      if (!names.some((n) => n.name === s.name)) names.push({ name: s.name, kind: s.kind });
  const header = [
    "layer name",
    "output size",
    ...graphs.map((g) => (g.variant === null ? g.name : `${g.name} ${g.variant}`)),
  ];
  const rows: string[][] = [];
  const first = graphs[0];
  for (const n of names) {
    const ref = first.groups.find((s) => s.name === n.name);
    const size = ref ? sizeText(ref.output) : "";
    rows.push([
      rowName(n.name, n.kind),
      size,
      ...graphs.map((g) => {
        const s = g.groups.find((x) => x.name === n.name);
        if (!s) return "";
        const other = sizeText(s.output) !== size ? ` (${sizeText(s.output)})` : "";
        return s.description.join("\n") + other;
      }),
    ]);
  }
  const analyses = graphs.map((g) => analyze(g));
  rows.push(["depth", "", ...analyses.map((a) => String(a.depth))]);
  rows.push([
    "multiply-adds",
    "",
    ...graphs.map((g, i) => {
      const p = paperFigures(g, analyses[i].depth);
      return (
        sci(analyses[i].multiplyAdds) +
        (p?.multiplyAdds ? ` (${p.label ?? "paper"} ${sci(p.multiplyAdds, p.digits ?? 1)})` : "")
      );
    }),
  ]);
  rows.push([
    "params",
    "",
    ...graphs.map((g, i) => {
      const p = paperFigures(g, analyses[i].depth);
      const label = p?.label ?? "paper";
      return int(analyses[i].params) + (p?.params ? ` (${label} ${p.params / 1e6}M)` : "");
    }),
  ]);
  return renderTable(header, rows);
}

function sizeText(s: number[]): string {
  return s.length === 3 ? `${s[0]}x${s[1]}` : "1x1";
}
