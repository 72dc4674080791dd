// grammar/cst.ts (the CST's node types, which grammar/to-ast.ts reads through) is what the parser's
// grammar generates today: a grammar change without `npm run gen:cst` fails here.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { cstTypes } from "../../grammar/gen-cst.js";

it("grammar/cst.ts is up to date with the parser", async () => {
  const committed = readFileSync("grammar/cst.ts", "utf8");
  expect(committed).toContain("export interface FileCstNode extends CstNode");
  expect(committed).toBe(await cstTypes());
});
