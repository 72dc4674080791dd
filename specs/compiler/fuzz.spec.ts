// Spec fuzzing: thousands of seeded mutations of the examples and the prelude (characters and lines
// deleted, duplicated and swapped, numbers replaced by absurd ones, tokens inserted, files cut
// short) go through the whole checker in one process. Every one must get an answer: no exception
// escapes, every failing spec has a located diagnostic, and none takes unboundedly long (a generous
// bound that only a hang or a blow-up would pass, not a speed measure).
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkProgram } from "../../compiler/check.js";
import { loadProgram } from "../../compiler/program.js";

const CASES = 2000;
const HANG_BOUND_MS = 10_000;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith(".resnet")
        ? [join(dir, e.name)]
        : [],
  );
}

const CORPUS = [...files("examples"), "grammar/prelude.resnet"].map((f) => ({
  path: resolve(f),
  text: readFileSync(f, "utf8"),
}));

const NUMBERS = [
  "0",
  "-1",
  "1000000000",
  "99999999",
  "2.5",
  "3000000",
  "1e300",
  "65537",
  "1025",
  "0.0",
];
const TOKENS = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ",",
  ":",
  "..",
  "x",
  "\n",
  "//",
  '"',
  "=",
  "*",
  "/",
  "-",
  "^",
  "model",
  "block",
  "stages",
  "stage",
  'use "nofile.resnet"',
  "extends",
  "variants",
  "head",
  "stem",
  "train",
  "shortcut A",
  "shortcut Q",
  "pad same",
  "pad 99",
  "stride 2",
  "conv 3x3, 64",
  "maxpool 3x3",
  "fc 10",
  "basic x [2, 2]",
  "widths [1, 2]",
  "x [1000000]",
  "((((((((1))))))))",
  "n",
  "c * 4",
  "bottleneck(64)",
  "post relu",
  "global avgpool",
  "input 1x1x1",
  "input 99999x2x3",
];

/** A small seeded generator (xorshift32). */
function rng(seed: number): (n: number) => number {
  let s = seed || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

function mutate(text: string, r: (n: number) => number): string {
  const lines = text.split("\n");
  switch (r(7)) {
    case 0: {
      const at = r(text.length + 1);
      return text.slice(0, at) + text.slice(at + 1 + r(20));
    }
    case 1: {
      const i = r(lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    }
    case 2:
      lines.splice(r(lines.length), 1);
      return lines.join("\n");
    case 3: {
      const [i, j] = [r(lines.length), r(lines.length)];
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join("\n");
    }
    case 4: {
      const nums = [...text.matchAll(/\d+(\.\d+)?/g)];
      if (!nums.length) return text;
      const m = nums[r(nums.length)]!;
      return (
        text.slice(0, m.index) + NUMBERS[r(NUMBERS.length)] + text.slice(m.index! + m[0].length)
      );
    }
    case 5: {
      const at = r(text.length + 1);
      const sep = r(2) ? " " : "";
      return text.slice(0, at) + sep + TOKENS[r(TOKENS.length)] + sep + text.slice(at);
    }
    default:
      return text.slice(0, r(text.length + 1));
  }
}

describe("spec fuzzing", () => {
  it(`${CASES} mutated specs: an answer for each, located when it is an error`, () => {
    const r = rng(20261130);
    let failing = 0;
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const base = CORPUS[r(CORPUS.length)]!;
      let text = base.text;
      for (let k = 1 + r(3); k > 0; k--) text = mutate(text, r);
      const t0 = performance.now();
      let result;
      try {
        result = checkProgram(loadProgram(base.path, { text }));
      } catch (e) {
        throw new Error(
          `case ${i} (${base.path}) threw ${(e as Error).stack}\n--- text ---\n${text}`,
        );
      }
      slowest = Math.max(slowest, performance.now() - t0);
      if (!result.ok) {
        failing++;
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        expect(errors.length, `case ${i}: not ok but no error`).toBeGreaterThan(0);
        for (const d of errors)
          expect(
            d.span,
            `case ${i}: ${d.code} ${d.message} has no location\n${text}`,
          ).not.toBeNull();
      }
    }
    // Most mutations break a spec; some (a duplicated blank line) do not.
    expect(failing).toBeGreaterThan(CASES / 2);
    expect(slowest).toBeLessThan(HANG_BOUND_MS);
  });
});

describe("pathological inputs", () => {
  const check = (text: string) => checkProgram(loadProgram(resolve("spec.resnet"), { text }));
  it("brackets nested 50,000 deep: RN002 at the first one too deep, no stack overflow", () => {
    const text = `model m {\n  input 32x32x3\n  stem { conv 3x3, ${"(".repeat(50_000)}16${")".repeat(50_000)} }\n}\n`;
    const r = check(text);
    expect(r.diagnostics.map((d) => [d.code, d.message, d.span?.line, d.span?.col])).toEqual([
      ["RN002", "brackets nested more than 256 deep", 3, 274],
    ]);
  });
  it("a 20,000-line file, binary garbage and a 1 MB line get diagnostics", () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `block b${i}(c) { conv 3x3, c }`).join(
      "\n",
    );
    expect(check(long).diagnostics.map((d) => d.code)).toEqual(["RN012"]);
    const garbage = String.fromCharCode(
      ...Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256),
    );
    expect(check(garbage).ok).toBe(false);
    const wide = `model m { input ${"9".repeat(1_000_000)}x1x1 }`;
    expect(check(wide).ok).toBe(false);
  });
});
