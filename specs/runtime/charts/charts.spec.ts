// Chart data from metrics.jsonl (exact series), the strict metrics reader and its messages, run
// directory discovery, axis ticks, and the SVG chart: well-formed, with the expected elements.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  epochTicks,
  errorChartSvg,
  findRunDirs,
  finalErrors,
  finalErrorsMarkdown,
  niceTicks,
  parseMetrics,
  readRunMetrics,
  readRuns,
  runSeries,
  svgToPng,
} from "../../../runtime/charts/index.js";
import type { EpochMetrics } from "../../../runtime/train/metrics.js";
import { allElements, byClass, deepText, parseXml } from "./xml.js";

const tmp = mkdtempSync(join(tmpdir(), "resnetc-charts-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function m(
  epoch: number,
  iteration: number,
  trainError: number,
  testTop1Error: number,
): EpochMetrics {
  return {
    epoch,
    iteration,
    lr: 0.1,
    trainLoss: 1,
    trainError,
    testLoss: 1,
    testTop1Error,
    testTop5Error: null,
    imagesPerSec: 100,
    seconds: 1,
  };
}

function jsonl(ms: EpochMetrics[]): string {
  return ms.map((x) => JSON.stringify(x) + "\n").join("");
}

describe("runSeries", () => {
  it("gives the epochs and the errors in percent, in epoch order", () => {
    const s = runSeries("plain_20", [
      m(2, 200, 0.1, 0.125),
      m(1, 100, 0.5, 0.25),
      m(3, 300, 0.05, 0.0825),
    ]);
    expect(s).toEqual({
      label: "plain_20",
      x: [1, 2, 3],
      trainError: [50, 10, 5],
      testError: [25, 12.5, 8.25],
      iteration: [100, 200, 300],
    });
  });

  it("places a last epoch cut short by a stop at an iteration at its fraction of an epoch", () => {
    const s = runSeries("a", [m(1, 140, 0.5, 0.4), m(2, 280, 0.2, 0.2), m(3, 315, 0.1, 0.1)]);
    expect(s.x).toEqual([1, 2, 2.25]);
  });

  it("keeps a run of one epoch at x = 1, whatever its iterations", () => {
    expect(runSeries("a", [m(1, 2, 0.9, 0.9)]).x).toEqual([1]);
  });

  it("final errors: the last epoch's, and the best test error", () => {
    const s = runSeries("r", [m(1, 10, 0.5, 0.2), m(2, 20, 0.3, 0.25)]);
    expect(finalErrors(s)).toEqual({
      label: "r",
      epochs: 2,
      iterations: 20,
      trainError: 30,
      testError: 25,
      bestTestError: 20,
    });
    expect(finalErrors(runSeries("e", []))).toEqual({
      label: "e",
      epochs: 0,
      iterations: 0,
      trainError: null,
      testError: null,
      bestTestError: null,
    });
  });

  it("the Markdown table", () => {
    const rows = [finalErrors(runSeries("r", [m(1, 10, 0.5, 0.2), m(2, 20, 0.3, 0.25)]))];
    expect(finalErrorsMarkdown(rows, ["note"])).toBe(
      "| model | epochs | iterations | training error | test error | best test error |\n" +
        "|---|---:|---:|---:|---:|---:|\n" +
        "| r | 2 | 20 | 30.00% | 25.00% | 20.00% |\n" +
        "\n" +
        "note\n",
    );
  });
});

describe("ticks", () => {
  it("niceTicks: round steps from 0 to at least the maximum", () => {
    expect(niceTicks(92)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(12.3)).toEqual([0, 2.5, 5, 7.5, 10, 12.5]);
    expect(niceTicks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it("epochTicks: whole epochs", () => {
    expect(epochTicks(1)).toEqual([0, 1]);
    expect(epochTicks(3)).toEqual([0, 1, 2, 3]);
    expect(epochTicks(2.25)).toEqual([0, 1, 2, 3]);
    expect(epochTicks(40)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
  });
});

describe("parseMetrics and readRunMetrics", () => {
  it("reads every line", () => {
    const ms = [m(1, 10, 0.5, 0.4), m(2, 20, 0.3, 0.2)];
    expect(parseMetrics(jsonl(ms), "f")).toEqual(ms);
  });

  it("names the file and line of a line that is not JSON, or not an object", () => {
    expect(() =>
      parseMetrics(jsonl([m(1, 10, 0.5, 0.4)]) + '{"epoch": 2, "itera\n', "runs/a/metrics.jsonl"),
    ).toThrow('runs/a/metrics.jsonl:2: not valid JSON: "{\\"epoch\\": 2, \\"itera"');
    expect(() => parseMetrics("[1, 2]\n", "f.jsonl")).toThrow(
      'f.jsonl:1: not a JSON object: "[1, 2]"',
    );
  });

  it("names a missing or non-numeric field", () => {
    expect(() =>
      parseMetrics('{"epoch": 1, "iteration": 5, "trainError": 0.5}\n', "f.jsonl"),
    ).toThrow('f.jsonl:1: "testTop1Error" is missing or not a number');
    expect(() =>
      parseMetrics(
        '{"epoch": 1, "iteration": 5, "trainError": "x", "testTop1Error": 0.1}\n',
        "f.jsonl",
      ),
    ).toThrow('f.jsonl:1: "trainError" is missing or not a number');
  });

  it("a missing or empty metrics.jsonl is an error naming the file", async () => {
    const dir = join(tmp, "norun");
    mkdirSync(dir, { recursive: true });
    await expect(readRunMetrics(dir)).rejects.toThrow(
      `${join(dir, "metrics.jsonl")}: no such file (is ${dir} a run directory written by resnetc train or compare?)`,
    );
    writeFileSync(join(dir, "metrics.jsonl"), "\n");
    await expect(readRunMetrics(dir)).rejects.toThrow(
      `${join(dir, "metrics.jsonl")}: no epochs yet (the file is empty)`,
    );
  });
});

describe("findRunDirs and readRuns", () => {
  const root = join(tmp, "compare");
  mkdirSync(join(root, "b_resnet"), { recursive: true });
  mkdirSync(join(root, "a_plain"), { recursive: true });
  mkdirSync(join(root, "not_a_run"), { recursive: true });
  writeFileSync(join(root, "b_resnet", "metrics.jsonl"), jsonl([m(1, 10, 0.2, 0.1)]));
  writeFileSync(join(root, "a_plain", "metrics.jsonl"), jsonl([m(1, 10, 0.4, 0.3)]));

  it("a run directory is itself; a directory of runs gives its runs in name order", async () => {
    expect(await findRunDirs([join(root, "b_resnet")])).toEqual([join(root, "b_resnet")]);
    expect(await findRunDirs([root])).toEqual([join(root, "a_plain"), join(root, "b_resnet")]);
    const runs = await readRuns([root]);
    expect(runs.map((r) => r.label)).toEqual(["a_plain", "b_resnet"]);
    expect(runs[0]!.metrics).toEqual([m(1, 10, 0.4, 0.3)]);
  });

  it("a directory with no run, or no directory, is an error", async () => {
    await expect(findRunDirs([join(root, "not_a_run")])).rejects.toThrow(
      `${join(root, "not_a_run", "metrics.jsonl")}: no such file, and no subdirectory of ${join(root, "not_a_run")} holds one`,
    );
    await expect(findRunDirs([join(root, "nope")])).rejects.toThrow(
      `${join(root, "nope")}: no such directory`,
    );
  });
});

describe("errorChartSvg", () => {
  const runs = [
    runSeries("plain_20", [m(1, 10, 0.5, 0.4), m(2, 20, 0.3, 0.25), m(3, 30, 0.2, 0.2)]),
    runSeries("resnet_20 <&>", [m(1, 10, 0.4, 0.3), m(2, 20, 0.2, 0.15), m(3, 30, 0.1, 0.1)]),
  ];
  const svg = errorChartSvg(runs, { title: "Fig. 6 & co" });
  const doc = parseXml(svg);

  it("is a well-formed SVG document", () => {
    expect(doc.name).toBe("svg");
    expect(doc.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(deepText(byClass(doc, "title")[0]!)).toBe("Fig. 6 & co");
  });

  it("draws training error thin and dashed, test error bold, one colour per run", () => {
    const train = allElements(doc).filter(
      (e) => e.name === "polyline" && e.attrs.class === "train",
    );
    const test = allElements(doc).filter((e) => e.name === "polyline" && e.attrs.class === "test");
    expect(train).toHaveLength(2);
    expect(test).toHaveLength(2);
    for (const t of train) expect(t.attrs["stroke-dasharray"]).toBeDefined();
    for (const t of test) expect(t.attrs["stroke-dasharray"]).toBeUndefined();
    expect(Number(test[0]!.attrs["stroke-width"])).toBeGreaterThan(
      Number(train[0]!.attrs["stroke-width"]),
    );
    expect(train[0]!.attrs.stroke).toBe(test[0]!.attrs.stroke);
    expect(train[0]!.attrs.stroke).not.toBe(train[1]!.attrs.stroke);
    expect(test[0]!.attrs.points!.split(" ")).toHaveLength(3);
    expect(byClass(doc, "run").map((g) => g.attrs["data-label"])).toEqual([
      "plain_20",
      "resnet_20 <&>",
    ]);
  });

  it("has axes with ticks and labels, and a legend", () => {
    const y = byClass(doc, "y-axis")[0]!;
    const x = byClass(doc, "x-axis")[0]!;
    expect(y.children.filter((e) => e.name === "text").map(deepText)).toEqual([
      "0",
      "10",
      "20",
      "30",
      "40",
      "50",
      "error (%)",
    ]);
    expect(x.children.filter((e) => e.name === "text").map(deepText)).toEqual([
      "0",
      "1",
      "2",
      "3",
      "epoch",
    ]);
    const legend = byClass(doc, "legend")[0]!;
    expect(legend.children.filter((e) => e.name === "text").map(deepText)).toEqual([
      "plain_20",
      "resnet_20 <&>",
      "training error",
      "test error",
    ]);
  });

  it("a run of one epoch gets markers and no line; yMax clips the axis", () => {
    const one = parseXml(errorChartSvg([runSeries("one", [m(1, 2, 0.9, 0.85)])], { yMax: 20 }));
    expect(allElements(one).filter((e) => e.name === "polyline")).toHaveLength(0);
    expect(allElements(one).filter((e) => e.name === "circle")).toHaveLength(2);
    const y = byClass(one, "y-axis")[0]!;
    expect(y.children.filter((e) => e.name === "text").map(deepText)).toEqual([
      "0",
      "5",
      "10",
      "15",
      "20",
      "error (%)",
    ]);
  });

  it("renders to PNG", async () => {
    const png = await svgToPng(svg, 72);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});

describe("the specs' XML check itself", () => {
  it("rejects what is not well-formed", () => {
    expect(() => parseXml("<svg><g></svg>")).toThrow("</svg> closes <g>");
    expect(() => parseXml("<svg><g>")).toThrow("<g> is never closed");
    expect(() => parseXml("<svg x=1/>")).toThrow("attribute x of <svg> is not quoted");
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow("duplicate attribute a in <svg>");
    expect(() => parseXml("<svg>a & b</svg>")).toThrow("bad entity in the text of <svg>");
    expect(() => parseXml("<svg/><svg/>")).toThrow("more than one root element");
    expect(parseXml('<svg><text x="1">a &amp; b</text></svg>').children[0]!.text).toBe("a & b");
  });
});
