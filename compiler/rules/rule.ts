// A rule: one check of the program as written, in its own file with its own spec (graphql-js's
// validation rules). It returns a visitor; the driver walks every user file with it and collects
// what it reports. Checks that need evaluated numbers run during expansion, shape checks during
// inference (docs/architecture.md).
import type { FileAst } from "../../grammar/ast.js";
import type { Code } from "../../grammar/codes.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import type { Visitor } from "../../grammar/visitor.js";
import type { Program } from "../program.js";

export interface RuleContext {
  program: Program;
  file: FileAst;
  report(d: Diagnostic): void;
}

export interface Rule {
  name: string;
  /** The codes it may report. */
  codes: Code[];
  create(ctx: RuleContext): Visitor;
}
