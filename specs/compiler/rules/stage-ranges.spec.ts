// stage-ranges: `stages a..b` must name a rising range of numbered stages.
import { describe, expect, it } from "vitest";
import { stageRange, stageRanges } from "../../../compiler/rules/stage-ranges.js";
import { MODEL, reported } from "./helpers.js";

const withStages = (s: string) => [...MODEL.slice(0, 3), `  ${s}`, ...MODEL.slice(4)];

describe("stage-ranges", () => {
  it("falling numbers and different prefixes are not ranges", () => {
    for (const s of [
      "stages conv5..conv2 basic x [1, 1, 1, 1] widths [1, 2, 3, 4]",
      "stages conv2..layer4 basic x [1, 1, 1] widths [1, 2, 3]",
    ])
      expect(reported(stageRanges, ...withStages(s)).map((d) => [d.code, d.line, d.col])).toEqual([
        ["RN110", 4, 10],
      ]);
  });
  it("a rising range is one", () => {
    expect(reported(stageRanges, ...MODEL)).toEqual([]);
    expect(stageRange("layer1", "layer4")).toEqual({ prefix: "layer", first: 1, last: 4 });
  });
});
