// duplicate-definitions: a block type or model defined twice, at the second, naming the first.
import { describe, expect, it } from "vitest";
import { duplicateDefinitions } from "../../../compiler/rules/duplicate-definitions.js";
import { MODEL, reported } from "./helpers.js";

describe("duplicate-definitions", () => {
  it("the second block and the second model", () => {
    const ds = reported(
      duplicateDefinitions,
      "block b(c) { conv 3x3, c }",
      "block b(c) { conv 1x1, c }",
      ...MODEL,
      ...MODEL,
    );
    expect(ds).toEqual([
      {
        code: "RN102",
        message: "block 'b' is defined twice",
        line: 2,
        col: 7,
        hint: "the first definition is at spec.resnet:1:7",
      },
      {
        code: "RN102",
        message: "model 'm' is defined twice",
        line: 9,
        col: 7,
        hint: "the first definition is at spec.resnet:3:7",
      },
    ]);
  });
  it("a user block may shadow a prelude block", () => {
    expect(
      reported(
        duplicateDefinitions,
        "block basic(c, stride = 1) { conv 3x3, c, stride stride }",
        ...MODEL,
      ),
    ).toEqual([]);
  });
});
