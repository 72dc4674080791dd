// Shared by the two fusion passes (fuse-conv-epilogue.ts, fuse-batchnorm-act.ts): a conv or batch
// norm whose only reader is a ReLU, a residual addition, or an addition read only by a ReLU takes
// them into its epilogue: out = relu?(op(x) + residual?). The fused node keeps the producer's name
// (its weights stay bound) and takes the place of the last node it absorbs, where its residual
// input is already computed.
import { cloneGraph, removeNodes, replaceUses, usersOf } from "../ir/edit.js";
import type { IrGraph, IrNode } from "../ir/types.js";

type Producer = IrNode & { op: "conv" | "bn" };

interface Fusion {
  producer: Producer;
  residual: number | null;
  /** The nodes absorbed, in order; the fused node takes the last one's place. */
  sinks: IrNode[];
}

export function fuseEpilogues(input: IrGraph, op: "conv" | "bn"): IrGraph {
  const g = cloneGraph(input);
  const taken = new Set<number>();
  const fusions: Fusion[] = [];
  const onlyUser = (n: IrNode): IrNode | null => {
    const users = usersOf(g, n.id);
    return users.length === 1 && g.output !== n.id && g.logits !== n.id ? users[0]! : null;
  };
  const fusable = (id: number, reader: IrNode): id is number => {
    const p = g.nodes[id]!;
    return (
      p.op === op && !p.residual && !p.relu && !taken.has(p.id) && onlyUser(p)?.id === reader.id
    );
  };
  for (const s of g.nodes) {
    if (taken.has(s.id)) continue;
    if (s.op === "relu" && fusable(s.inputs[0]!, s)) {
      fusions.push({ producer: g.nodes[s.inputs[0]!] as Producer, residual: null, sinks: [s] });
    } else if (s.op === "add" && s.inputs[0] !== s.inputs[1]) {
      // The main branch's op takes the shortcut as its residual (either, if neither is main).
      const order = [...s.inputs].sort(
        (a, b) => Number(g.nodes[a]!.branch !== "main") - Number(g.nodes[b]!.branch !== "main"),
      );
      const p = order.find((id) => fusable(id, s));
      if (p === undefined) continue;
      const relu = onlyUser(s);
      const sinks = relu?.op === "relu" ? [s, relu] : [s];
      fusions.push({
        producer: g.nodes[p] as Producer,
        residual: s.inputs.find((i) => i !== p)!,
        sinks,
      });
    } else continue;
    const f = fusions[fusions.length - 1]!;
    taken.add(f.producer.id);
    f.sinks.forEach((n) => taken.add(n.id));
  }
  if (fusions.length === 0) return input;
  const remove = new Set<number>();
  for (const f of fusions) {
    const last = f.sinks[f.sinks.length - 1]!;
    const fused = {
      ...structuredClone(f.producer),
      id: last.id,
      inputs: f.residual === null ? [f.producer.inputs[0]!] : [f.producer.inputs[0]!, f.residual],
      residual: f.residual !== null,
      relu: f.sinks.some((n) => n.op === "relu"),
    } as IrNode;
    g.nodes[last.id] = fused;
    replaceUses(g, f.producer.id, last.id); // nothing reads it but the sinks, gone too
    remove.add(f.producer.id);
    f.sinks.slice(0, -1).forEach((n) => remove.add(n.id));
  }
  return removeNodes(g, remove);
}
