// block-params: RN106 (no parameters), RN102 (a parameter twice), RN103 (a default naming nothing).
import { describe, expect, it } from "vitest";
import { blockParams } from "../../../compiler/rules/block-params.js";
import { reported } from "./helpers.js";

describe("block-params", () => {
  it("a block without parameters, a parameter twice, a default that names nothing", () => {
    const ds = reported(
      blockParams,
      "block a() { conv 3x3, 16 }",
      "block b(c, c) { conv 3x3, c }",
      "block d(c, stride = s) { conv 3x3, c }",
    );
    expect(ds.map((d) => [d.code, d.line, d.message])).toEqual([
      ["RN106", 1, "block 'a' has no parameters; a stage passes it a width"],
      ["RN102", 2, "parameter 'c' of block 'b' is declared twice"],
      ["RN103", 3, "unknown name 's'"],
    ]);
    expect(ds[0]!.hint).toBe("declare one: block a(c, stride = 1) { ... }");
  });
  it("a default may use the parameters before it", () => {
    expect(reported(blockParams, "block d(c, e = 4 * c) { conv 3x3, e }")).toEqual([]);
  });
});
