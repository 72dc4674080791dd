// A visitor over a file's AST (graphql-js style): rules say which nodes they care about, `visit`
// walks the file once and calls them in source order.
import type { BlockDecl, Command, FileAst, ModelDecl, ModelStmt, UseDecl, Variant } from "./ast.js";

/** Where a command stands: a layer of a stem, block or head, or a setting of a train section. */
export type CommandPlace = "stem" | "block" | "head" | "train";

export interface Visitor {
  use?(u: UseDecl): void;
  block?(b: BlockDecl): void;
  model?(m: ModelDecl): void;
  statement?(s: ModelStmt, m: ModelDecl): void;
  variant?(v: Variant, m: ModelDecl): void;
  command?(c: Command, place: CommandPlace): void;
}

export function visit(file: FileAst, v: Visitor): void {
  for (const u of file.uses) v.use?.(u);
  for (const b of file.blocks) {
    v.block?.(b);
    for (const c of b.body) v.command?.(c, "block");
  }
  for (const m of file.models) {
    v.model?.(m);
    for (const s of m.statements) {
      v.statement?.(s, m);
      if (s.kind === "variants") for (const x of s.variants) v.variant?.(x, m);
      const cmds =
        s.kind === "stem" || s.kind === "head" ? s.layers : s.kind === "train" ? s.settings : [];
      for (const c of cmds) v.command?.(c, s.kind as CommandPlace);
    }
  }
}
