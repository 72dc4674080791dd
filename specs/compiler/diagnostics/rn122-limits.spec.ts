// RN122: a number that would make a network absurdly large is an error at its line, naming the
// limit (compiler/limits.ts), before anything is expanded or allocated: never a hang or an
// out-of-memory abort.
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../../compiler/limits.js";
import { diagnose, expectClean, src } from "./helpers.js";

const HINT =
  "resnetc refuses absurdly large networks; every limit is listed in docs/diagnostics.md (RN122)";

function model(
  opts: { input?: string; stem?: string; stages?: string; head?: string } = {},
): string {
  return src(
    "model m {",
    `  input ${opts.input ?? "32x32x3"}`,
    `  stem { ${opts.stem ?? "conv 3x3, 16"} }`,
    `  ${opts.stages ?? "stages conv2..conv4 basic x [3, 3, 3] widths [16, 32, 64]"}`,
    `  head { global avgpool; ${opts.head ?? "fc 10"} }`,
    "}",
  );
}

describe("RN122 over a limit", () => {
  it("a block count (a million blocks would hang the expansion)", () => {
    expect(
      diagnose(
        model({ stages: "stages conv2..conv4 basic x [3, 1000000, 3] widths [16, 32, 64]" }),
      ),
    ).toEqual([
      {
        code: "RN122",
        message: "a block count of 1000000 is over the limit of 1000",
        line: 4,
        col: 35,
        hint: HINT,
      },
    ]);
  });

  it("a width, a conv's channels and an fc's units", () => {
    const text = model({
      stem: "conv 3x3, 100000",
      stages: "stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 70000]",
      head: "fc 2000000",
    });
    expect(diagnose(text).map((d) => [d.code, d.line, d.message])).toEqual([
      ["RN122", 3, "number of channels of 100000 is over the limit of 65536"],
      ["RN122", 4, "a width of 70000 is over the limit of 65536"],
      ["RN122", 5, "number of units of 2000000 is over the limit of 1000000"],
    ]);
  });

  it("an input size, a stage range, padding and a stride", () => {
    expect(diagnose(model({ input: "20000x20000x3" }))).toEqual([
      {
        code: "RN122",
        message: "input 20000x20000x3 is over the limit of 16384x16384x65536",
        line: 2,
        col: 9,
        hint: HINT,
      },
    ]);
    expect(
      diagnose(model({ stages: "stages s1..s100 basic x [1] widths [16]" })).map((d) => d.message),
    ).toEqual(["'s1..s100' is 100 stages, over the limit of 64"]);
    expect(diagnose(model({ stem: "conv 3x3, 16, pad 5000" })).map((d) => d.message)).toEqual([
      "padding of 5000 is over the limit of 1024",
    ]);
    expect(diagnose(model({ stem: "conv 3x3, 16, stride 4096" })).map((d) => d.message)).toEqual([
      "stride of 4096 is over the limit of 1024",
    ]);
  });

  it("a feature map too large for memory, at the line that makes it", () => {
    expect(
      diagnose(model({ input: "16000x16000x3", stem: "conv 3x3, 8" })).map((d) => [
        d.line,
        d.message,
      ]),
    ).toEqual([
      [
        3,
        "the 16000x16000x8 output of conv1_conv1 has 2.05e+9 values, over the limit of 2^30 per example",
      ],
    ]);
  });

  it("a network with too many parameters, at its model line", () => {
    const text = model({
      stages: "stages conv2..conv4 basic x [300, 300, 300] widths [16, 32, 30000]",
    });
    expect(diagnose(text).map((d) => [d.line, d.message])).toEqual([
      [1, "'m' has 4.85e+12 parameters, over the limit of 2e+9"],
    ]);
  });

  it("accepts the largest published nets and the limits themselves", () => {
    expect(LIMITS.blocks).toBeGreaterThanOrEqual(200);
    expectClean(model({ stages: "stages conv2..conv4 basic x [1000, 1, 1] widths [16, 32, 64]" }));
    expectClean(
      model({
        input: "16384x8x3",
        stem: "conv 3x3, 16, pad 1024",
        stages: "stages conv2..conv4 basic x [1, 1, 1] widths [16, 16, 16] strides [1, 1, 1]",
      }),
    );
  });
});
