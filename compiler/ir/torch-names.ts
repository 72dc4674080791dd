// Every weighted node's module path in torchvision's models/resnet.py (timm uses the same names for
// ResNets), computed from the spec's structure, not from a table per model, so user-defined specs
// get names too:
//   stem: one conv -> conv1, bn1; several (a deep stem) -> conv1.{i} as the Sequential positions of
//     conv/bn/relu (timm), its last BN -> bn1
//   stage i, block j (both from 1) -> layer{i}.{j-1}: k-th conv -> conv{k}, k-th BN -> bn{k},
//     projection shortcut -> downsample.0 (conv) and downsample.1 (BN); option D (avg pool first)
//     -> downsample.1 and downsample.2; squeeze-and-excitation -> se (timm: its fc1 and fc2 are
//     se.fc1 and se.fc2, the node's fc1_* and fc2_* weight slots)
//   grouped convolutions need nothing new (torchvision's weight is [out, in/groups, kh, kw])
//   head: the classifier -> fc; anything else weighted -> head.{op}{k}
import type { IrGraph, IrNode } from "./types.js";

/** Module path by node id, for conv, bn, fc and se nodes. */
export function torchNames(g: IrGraph): Map<number, string> {
  const names = new Map<number, string>();
  const stages = g.groups.filter((x) => x.kind === "stage").map((x) => x.name);
  const stem = g.nodes.filter(
    (n) => isWeighted(n) && !stages.includes(n.group) && n.group !== "head",
  );
  nameStem(g, stem, names);
  const counters = new Map<string, number>();
  const next = (key: string) => {
    const k = (counters.get(key) ?? 0) + 1;
    counters.set(key, k);
    return k;
  };
  for (const n of g.nodes) {
    if (!isWeighted(n) || names.has(n.id)) continue;
    const stage = stages.indexOf(n.group);
    if (stage >= 0 && n.block) {
      const j = Number(n.block.slice(n.block.lastIndexOf("_") + 1)) - 1;
      const prefix = `layer${stage + 1}.${j}`;
      if (n.branch === "shortcut") {
        // Option D's downsample is Sequential(pool, conv, bn), the pool an Identity at stride 1
        // (timm's downsample_avg).
        const pooled = g.groups.find((x) => x.name === n.group)?.shortcut === "D";
        names.set(n.id, `${prefix}.downsample.${(n.op === "conv" ? 0 : 1) + (pooled ? 1 : 0)}`);
      } else if (n.op === "se") names.set(n.id, `${prefix}.se`);
      else names.set(n.id, `${prefix}.${n.op}${next(`${prefix}/${n.op}`)}`);
    } else if (n.id === g.logits) names.set(n.id, "fc");
    else names.set(n.id, `head.${n.op}${next(`head/${n.op}`)}`);
  }
  return names;
}

function isWeighted(n: IrNode): boolean {
  return n.op === "conv" || n.op === "bn" || n.op === "fc" || n.op === "se";
}

function nameStem(g: IrGraph, stem: IrNode[], names: Map<number, string>): void {
  const convs = stem.filter((n) => n.op === "conv");
  if (convs.length <= 1) {
    let bn = 0;
    for (const n of stem) names.set(n.id, n.op === "conv" ? "conv1" : `bn${++bn}`);
    return;
  }
  // A deep stem: conv/bn/relu positions in one Sequential, the last BN outside it.
  const seq = g.nodes.filter(
    (n) => stem.includes(n) || (n.op === "relu" && stem.some((m) => m.group === n.group)),
  );
  const lastBn = [...stem].reverse().find((n) => n.op === "bn");
  let i = 0;
  for (const n of seq) {
    if (n === lastBn) {
      names.set(n.id, "bn1");
      continue;
    }
    if (n.op !== "relu") names.set(n.id, `conv1.${i}`);
    i++;
  }
}
