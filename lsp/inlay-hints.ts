// Inlay hints: the output shape at the end of every stem, stage and head line, like TVM Relay's
// printed types. Where variants differ the shapes are joined: `7x7x512 | 7x7x2048`.
import type { FileAst } from "../grammar/ast.js";
import type { GraphFacts } from "./compiler-adapter.js";
import { commandFacts, distinct, layerCommands, stageFacts, stageNames } from "./facts.js";

export interface ShapeHint {
  /** Offset where the hint goes: the end of the line's statement. */
  offset: number;
  label: string;
}

export function shapeHints(ast: FileAst, graphs: GraphFacts[]): ShapeHint[] {
  const out: ShapeHint[] = [];
  for (const m of ast.models) {
    for (const c of layerCommands(m)) {
      const fs = commandFacts(graphs, ast.path, c.span);
      if (fs.length)
        out.push({ offset: c.span.end, label: `→ ${distinct(fs.map((f) => f.shape))}` });
    }
    for (const s of m.statements) {
      if (s.kind !== "stages" && s.kind !== "stage") continue;
      const names = stageNames(s);
      const fs = stageFacts(graphs, m.name, names);
      const parts = names
        .map((n) => {
          const shapes = fs.filter((f) => f.name === n).map((f) => f.output);
          return shapes.length ? `${n} ${distinct(shapes)}` : "";
        })
        .filter(Boolean);
      if (parts.length) out.push({ offset: s.span.end, label: `→ ${parts.join(", ")}` });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
