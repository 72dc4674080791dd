// shortcut-options: `shortcut X`, `shortcuts [...]` and a stage's `shortcut X` name an option.
import { describe, expect, it } from "vitest";
import { SHORTCUT_HINT, shortcutOptions } from "../../../compiler/rules/shortcut-options.js";
import { MODEL, reported } from "./helpers.js";

describe("shortcut-options", () => {
  it("an unknown option in each place", () => {
    const ds = reported(
      shortcutOptions,
      "model m {",
      "  input 32x32x3",
      "  shortcut F",
      "  stem { conv 3x3, 16 }",
      "  stages conv2..conv3 basic x [1, 1] widths [16, 32] shortcuts [A, 2]",
      "  stage conv4: basic(64) x 1, shortcut E",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(ds.map((d) => [d.line, d.col, d.message])).toEqual([
      [3, 12, "unknown shortcut option 'F'"],
      [5, 68, "unknown shortcut option '2'"],
      [6, 40, "unknown shortcut option 'E'"],
    ]);
    expect(ds[0]!.hint).toBe(SHORTCUT_HINT);
  });
  it("A, b, C, d, identity and none are options", () => {
    const text = MODEL.join("\n").replace("  input 32x32x3", "  input 32x32x3\n  shortcut b");
    expect(reported(shortcutOptions, text)).toEqual([]);
    expect(
      reported(
        shortcutOptions,
        ...MODEL.slice(0, 3),
        "  stages conv2..conv4 basic x [1, 1, 1] widths [16, 32, 64] shortcuts [identity, d, c]",
        ...MODEL.slice(4),
      ),
    ).toEqual([]);
  });
});
