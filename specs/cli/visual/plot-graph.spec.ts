// `resnetc plot` and `resnetc graph` through the built binary: outputs, formats and exact errors.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { byClass, parseXml } from "../../runtime/charts/xml.js";
import { noStack, resnetc } from "../run.js";

const tmp = mkdtempSync(join(tmpdir(), "resnetc-visual-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function line(epoch: number, trainError: number, testTop1Error: number): string {
  return (
    JSON.stringify({
      epoch,
      iteration: 10 * epoch,
      lr: 0.1,
      trainLoss: 1,
      trainError,
      testLoss: 1,
      testTop1Error,
      testTop5Error: null,
      imagesPerSec: 1,
      seconds: 1,
    }) + "\n"
  );
}

function run(dir: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "metrics.jsonl"), text);
  return dir;
}

describe("resnetc plot", () => {
  const runs = join(tmp, "runs");
  run(join(runs, "plain_8"), line(1, 0.5, 0.4) + line(2, 0.3, 0.2));
  run(join(runs, "resnet_8"), line(1, 0.4, 0.3) + line(2, 0.2, 0.1));

  it("prints the SVG chart of a directory of runs", () => {
    const r = resnetc(["plot", runs]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = parseXml(r.stdout);
    expect(byClass(doc, "run").map((g) => g.attrs["data-label"])).toEqual(["plain_8", "resnet_8"]);
  });

  it("writes a PNG with -o FILE.png and prints the final errors", () => {
    const out = join(tmp, "chart.png");
    const r = resnetc([
      "plot",
      join(runs, "resnet_8"),
      join(runs, "plain_8"),
      "-o",
      out,
      "--title",
      "t",
    ]);
    expect(r.code).toBe(0);
    expect([...readFileSync(out).subarray(0, 8)]).toEqual(PNG);
    expect(r.stderr).toContain(
      "resnet_8       2          20          20.00%      10.00%           10.00%",
    );
    expect(r.stderr).toContain(`wrote ${out}`);
  });

  it("a run directory without metrics.jsonl is an error naming the file (exit 1)", () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty, { recursive: true });
    const r = resnetc(["plot", empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `resnetc: ${join(empty, "metrics.jsonl")}: no such file, and no subdirectory of ${empty} holds one\n`,
    );
    expect(noStack(r)).toBe(true);
  });

  it("a bad line is an error naming the file and line (exit 1)", () => {
    const bad = run(join(tmp, "bad"), line(1, 0.5, 0.4) + '{"epoch": 2, "iteration": 20}\n');
    const r = resnetc(["plot", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `resnetc: ${join(bad, "metrics.jsonl")}:2: "trainError" is missing or not a number\n`,
    );
    const cut = run(join(tmp, "cut"), line(1, 0.5, 0.4) + '{"epoch": 2, "iter');
    const r2 = resnetc(["plot", cut]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe(
      `resnetc: ${join(cut, "metrics.jsonl")}:2: not valid JSON: "{\\"epoch\\": 2, \\"iter"\n`,
    );
  });

  it("a missing directory, an empty metrics.jsonl and a bad -o are errors", () => {
    const r = resnetc(["plot", join(tmp, "nope")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`resnetc: ${join(tmp, "nope")}: no such directory\n`);
    const e = run(join(tmp, "zero"), "");
    const r2 = resnetc(["plot", e]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe(
      `resnetc: ${join(e, "metrics.jsonl")}: no epochs yet (the file is empty)\n`,
    );
    const r3 = resnetc(["plot", runs, "-o", "chart.pdf"]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toBe("resnetc: -o must name a .svg or .png file, got 'chart.pdf'\n");
  });
});

describe("resnetc graph", () => {
  it("SVG to stdout by default", () => {
    const r = resnetc(["graph", "examples/imagenet/resnet.resnet", "--variant", "50"]);
    expect(r.code).toBe(0);
    const doc = parseXml(r.stdout);
    expect(byClass(doc, "node block")).toHaveLength(8);
  });

  it("--format dot and mermaid; --expand draws every block", () => {
    const dot = resnetc([
      "graph",
      "examples/cifar/resnet.resnet",
      "--variant",
      "56",
      "--format",
      "dot",
    ]);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph "cifar_resnet_56" \{\n/);
    expect(dot.stdout).toContain('label="conv2_1 .. conv2_9 (x9)');
    const mm = resnetc([
      "graph",
      "examples/cifar/resnet.resnet",
      "--variant",
      "56",
      "--format",
      "mermaid",
      "--expand",
    ]);
    expect(mm.code).toBe(0);
    expect(mm.stdout.startsWith("flowchart TB\n")).toBe(true);
    expect(mm.stdout.match(/\["conv\d_\d+<br\/>/g)).toHaveLength(27);
  });

  it("-o FILE: the format follows the extension (.png rendered, .dot, .mmd)", () => {
    const png = join(tmp, "r18.png");
    const r = resnetc(["graph", "examples/imagenet/resnet.resnet", "--variant", "18", "-o", png]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`wrote ${png}\n`);
    expect([...readFileSync(png).subarray(0, 8)]).toEqual(PNG);
    const dot = join(tmp, "r18.dot");
    expect(
      resnetc(["graph", "examples/imagenet/resnet.resnet", "--variant", "18", "-o", dot]).code,
    ).toBe(0);
    expect(readFileSync(dot, "utf8")).toMatch(/^digraph /);
    const mmd = join(tmp, "r18.mmd");
    expect(
      resnetc(["graph", "examples/imagenet/resnet.resnet", "--variant", "18", "-o", mmd]).code,
    ).toBe(0);
    expect(readFileSync(mmd, "utf8")).toMatch(/^flowchart TB\n/);
  });

  it("a family needs --variant; a PNG needs SVG", () => {
    const r = resnetc(["graph", "examples/cifar/plain.resnet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "resnetc: graph needs one network, but the spec describes 6: cifar_plain 20,",
    );
    expect(r.stderr).toContain("hint: pick one with --variant");
    const r2 = resnetc([
      "graph",
      "examples/cifar/plain.resnet",
      "--variant",
      "20",
      "--format",
      "dot",
      "-o",
      join(tmp, "x.png"),
    ]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe(
      `resnetc: -o ${join(tmp, "x.png")}: a .png file needs --format svg, not dot\n`,
    );
  });
});
