// Counts over a checked graph: trainable parameters, multiply-adds (conv and fc only, the paper's
// "FLOPs"), depth (weighted layers on the main path) and per-group totals.
import type { IrGraph } from "./ir.js";

export interface Analysis {
  params: number;
  /** BN moving mean/variance: state, not trainable (tfjs countParams() includes them). */
  state: number;
  multiplyAdds: number;
  depth: number;
  groups: { name: string; params: number; multiplyAdds: number }[];
}

export function analyze(g: IrGraph): Analysis {
  const groups = new Map<string, { name: string; params: number; multiplyAdds: number }>();
  let params = 0;
  let state = 0;
  let madds = 0;
  let depth = 0;
  for (const n of g.nodes) {
    params += n.params;
    state += n.state;
    madds += n.madds;
    if (n.weighted) depth++;
    let e = groups.get(n.group);
    if (!e) groups.set(n.group, (e = { name: n.group, params: 0, multiplyAdds: 0 }));
    e.params += n.params;
    e.multiplyAdds += n.madds;
  }
  groups.delete("input");
  return { params, state, multiplyAdds: madds, depth, groups: [...groups.values()] };
}
