// RN003 (an imported file cannot be read) and RN004 (import cycles), with real files in a
// temporary directory. Paths in messages are shown relative to the working directory when they lie
// below it, so these (under the system's temp directory) are shown in full.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { check, expectClean, removeTempDirs, seen, src, tempDir, writeFiles } from "./helpers.js";

afterAll(removeTempDirs);

const MODEL = src(
  "model m {",
  "  input 32x32x3",
  "  stages conv2..conv3 wide x [1, 1] widths [16, 32] strides [1, 2]",
  "  head { global avgpool; fc 10 }",
  "}",
);

const WIDE = src(
  "block wide(c, stride = 1) {",
  "  conv 3x3, c, stride stride",
  "  conv 3x3, c, relu none",
  "}",
);

const HINT3 = "paths in `use` are relative to the file that uses them";
const HINT4 = "a file cannot use itself, directly or through other files";

describe("RN003 cannot read imported file", () => {
  it("reports a missing file at the `use` that names it, and not the blocks it would define", () => {
    const dir = tempDir();
    const main = join(dir, "main.resnet");
    const ds = check('use "blocks.resnet"\n' + MODEL, {}, main).diagnostics;
    expect(ds.map(seen)).toEqual([
      {
        code: "RN003",
        message: `cannot read imported file '${join(dir, "blocks.resnet")}': no such file`,
        line: 1,
        col: 1,
        hint: HINT3,
      },
      // The blocks the file would have defined are not reported unknown: RN003 explains them.
    ]);
    expect(ds[0].span?.file).toBe(main);
    expect(ds[0].span?.end).toBe('use "blocks.resnet"'.length);
  });

  it("reports a missing file imported by an imported file in that file", () => {
    const dir = tempDir();
    const main = join(dir, "main.resnet");
    writeFiles(dir, { "lib.resnet": src("// the blocks", 'use "wide.resnet"') });
    const ds = check('use "lib.resnet"\n' + MODEL, {}, main).diagnostics;
    expect(ds.map(seen)).toEqual([
      {
        code: "RN003",
        message: `cannot read imported file '${join(dir, "wide.resnet")}': no such file`,
        line: 2,
        col: 1,
        hint: HINT3,
      },
      // The blocks the file would have defined are not reported unknown: RN003 explains them.
    ]);
    expect(ds[0].span?.file).toBe(join(dir, "lib.resnet"));
  });

  it("says when the path names a directory", () => {
    const dir = tempDir();
    const main = join(dir, "main.resnet");
    mkdirSync(join(dir, "blocks"));
    expect(check('use "blocks"\n' + MODEL, {}, main).diagnostics.map(seen)).toEqual([
      {
        code: "RN003",
        message: `cannot read imported file '${join(dir, "blocks")}': it is a directory`,
        line: 1,
        col: 1,
        hint: HINT3,
      },
    ]);
  });

  it("builds no graph for a file whose import is missing", () => {
    const dir = tempDir();
    const r = check('use "blocks.resnet"\n' + MODEL, {}, join(dir, "main.resnet"));
    expect(r.ok).toBe(false);
    expect(r.graphs).toEqual([]);
    expect(r.instances).toEqual([]);
  });

  it("resolves `use` relative to the file that uses it", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "lib"));
    writeFiles(dir, {
      "lib/all.resnet": src('use "wide.resnet"'),
      "lib/wide.resnet": WIDE,
    });
    expectClean('use "lib/all.resnet"\n' + MODEL, {}, join(dir, "main.resnet"));
  });

  it("accepts the file once the imported file exists", () => {
    const dir = tempDir();
    writeFiles(dir, { "blocks.resnet": WIDE });
    expectClean('use "blocks.resnet"\n' + MODEL, {}, join(dir, "main.resnet"));
  });
});

describe("RN004 import cycle", () => {
  it("reports a file that uses itself", () => {
    const dir = tempDir();
    const main = join(dir, "main.resnet");
    const ds = check(src(WIDE, 'use "main.resnet"') + MODEL, {}, main).diagnostics;
    expect(ds.map(seen)).toEqual([
      {
        code: "RN004",
        message: `import cycle: ${main} -> ${main}`,
        line: 6,
        col: 1,
        hint: HINT4,
      },
    ]);
  });

  it("reports a cycle through two files once, at the `use` that closes it", () => {
    const dir = tempDir();
    const [main, a, b] = ["main.resnet", "a.resnet", "b.resnet"].map((f) => join(dir, f));
    writeFiles(dir, {
      "a.resnet": src('use "b.resnet"', WIDE),
      "b.resnet": src("// b needs nothing from a", 'use "a.resnet"'),
    });
    const ds = check('use "a.resnet"\n' + MODEL, {}, main).diagnostics;
    expect(ds.map(seen)).toEqual([
      {
        code: "RN004",
        message: `import cycle: ${a} -> ${b} -> ${a}`,
        line: 2,
        col: 1,
        hint: HINT4,
      },
    ]);
    expect(ds[0].span?.file).toBe(b);
  });

  it("accepts a file imported twice along different paths (no cycle)", () => {
    const dir = tempDir();
    writeFiles(dir, {
      "a.resnet": src('use "wide.resnet"'),
      "b.resnet": src('use "wide.resnet"'),
      "wide.resnet": WIDE,
    });
    expectClean(src('use "a.resnet"', 'use "b.resnet"') + MODEL, {}, join(dir, "main.resnet"));
  });
});
