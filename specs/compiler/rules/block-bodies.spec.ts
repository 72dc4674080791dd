// block-bodies: each layer of each user block, used or not, with the parameters unknown.
import { describe, expect, it } from "vitest";
import { blockBodies } from "../../../compiler/rules/block-bodies.js";
import { reported } from "./helpers.js";

describe("block-bodies", () => {
  it("an unknown layer, a bad option, an unknown name, a head layer in a block", () => {
    const ds = reported(
      blockBodies,
      "block b(c, stride = 1) {",
      "  convv 3x3, c",
      "  conv 3x3, c, strid 2",
      "  conv 3x3, k",
      "  fc 10",
      "}",
    );
    expect(ds.map((d) => [d.code, d.line])).toEqual([
      ["RN104", 2],
      ["RN105", 3],
      ["RN103", 4],
      ["RN130", 5],
    ]);
  });
  it("a sound block reports nothing, whatever its parameters will be", () => {
    expect(
      reported(
        blockBodies,
        "block b(c, stride = 1) { conv 3x3, c, stride stride; conv 3x3, 2 * c }",
      ),
    ).toEqual([]);
  });
});
