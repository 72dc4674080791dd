// The diagnostic codes stay in step across the table of codes (grammar/codes.ts), the compiler,
// docs/diagnostics.md and these specs: every code of the table is raised somewhere, documented in
// order and asserted by a spec, and nothing else is.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES } from "../../../grammar/codes.js";

const CODE = /RN\d{3}/;

function filesBelow(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesBelow(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** Codes written as string literals ("RN201") in the given files. */
function quotedCodes(files: string[]): Set<string> {
  const codes = new Set<string>();
  const re = new RegExp(`"(${CODE.source})"`, "g");
  for (const f of files) for (const m of readFileSync(f, "utf8").matchAll(re)) codes.add(m[1]);
  return codes;
}

const sourceCodes = quotedCodes(
  ["grammar", "compiler"]
    .flatMap((d) => filesBelow(d, ".ts"))
    .filter((f) => !f.endsWith("codes.ts")),
);

const docs = readFileSync("docs/diagnostics.md", "utf8");
/** The codes of the table: rows that start with `| RNxxx |`. */
const tableCodes = new Set(
  [...docs.matchAll(new RegExp(`^\\| (${CODE.source}) \\|`, "gm"))].map((m) => m[1]),
);
/** Every code the page mentions anywhere. */
const mentionedCodes = new Set(docs.match(new RegExp(CODE.source, "g")) ?? []);

const here = "specs/compiler/diagnostics";
const specFiles = filesBelow(here, ".spec.ts").filter(
  (f) => basename(f) !== "codes-documented.spec.ts",
);

const sorted = (s: Iterable<string>) => [...s].sort();

const tableOfCodes = new Set(Object.keys(CODES));

describe("diagnostic codes", () => {
  it("the typed table (grammar/codes.ts) is exactly the codes the compiler raises", () => {
    expect(sorted(tableOfCodes)).toEqual(sorted(sourceCodes));
  });

  it("the typed table is exactly docs/diagnostics.md's table", () => {
    expect(sorted(tableOfCodes)).toEqual(sorted(tableCodes));
  });

  it("are found in the compiler's sources", () => {
    expect(sourceCodes.size).toBeGreaterThanOrEqual(29);
    expect(sourceCodes).toContain("RN001");
  });

  it("each code raised in grammar/ or compiler/ has a row in docs/diagnostics.md", () => {
    expect(sorted(sourceCodes).filter((c) => !tableCodes.has(c))).toEqual([]);
  });

  it("each code docs/diagnostics.md mentions is raised in grammar/ or compiler/", () => {
    expect(sorted(mentionedCodes).filter((c) => !sourceCodes.has(c))).toEqual([]);
  });

  it("the table lists each code once, in order", () => {
    const rows = [...docs.matchAll(new RegExp(`^\\| (${CODE.source}) \\|`, "gm"))].map((m) => m[1]);
    expect(rows).toEqual(sorted(new Set(rows)));
  });

  it("each code raised in grammar/ or compiler/ is asserted by a spec in " + here, () => {
    const specCodes = quotedCodes(specFiles);
    expect(sorted(sourceCodes).filter((c) => !specCodes.has(c))).toEqual([]);
  });
});
