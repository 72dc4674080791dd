// resnetc plot DIR...: the chart of `resnetc compare` (training error dashed, test error bold, a
// colour per run) from existing run directories' metrics.jsonl.
import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import {
  ChartDataError,
  errorChartSvg,
  finalErrors,
  readRuns,
  runSeries,
  svgToPng,
  type FinalErrors,
} from "../../runtime/charts/index.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { renderTable } from "../text-table.js";
import { positiveNumber } from "./train.js";

export interface PlotFlags {
  output?: string;
  title?: string;
  ymax?: string;
}

/** Writes the chart as SVG, or as PNG (rendered by sharp) when the file name ends in .png. */
export async function writeChart(file: string, svg: string): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (ext === ".png") await writeFile(file, await svgToPng(svg));
  else await writeFile(file, svg);
}

export function finalErrorsText(rows: readonly FinalErrors[]): string {
  const pct = (v: number | null) => (v === null ? "-" : `${v.toFixed(2)}%`);
  return renderTable(
    ["model", "epochs", "iterations", "training error", "test error", "best test error"],
    rows.map((r) => [
      r.label,
      String(r.epochs),
      String(r.iterations),
      pct(r.trainError),
      pct(r.testError),
      pct(r.bestTestError),
    ]),
    ["l", "r", "r", "r", "r", "r"],
  );
}

export async function plotCommand(o: Output, dirs: string[], flags: PlotFlags): Promise<void> {
  const out = flags.output;
  if (out !== undefined && ![".svg", ".png"].includes(extname(out).toLowerCase())) {
    throw new UsageError(`-o must name a .svg or .png file, got '${out}'`);
  }
  const yMax = positiveNumber("--ymax", flags.ymax, false);
  let runs;
  try {
    runs = await readRuns(dirs);
  } catch (e) {
    if (e instanceof ChartDataError) throw new CliError(e.message, EXIT.user);
    throw e;
  }
  const series = runs.map((r) => runSeries(r.label, r.metrics));
  const svg = errorChartSvg(series, {
    ...(flags.title !== undefined ? { title: flags.title } : {}),
    ...(yMax !== undefined ? { yMax } : {}),
  });
  if (out === undefined) {
    o.out(svg);
    return;
  }
  await writeChart(out, svg);
  o.err(finalErrorsText(series.map(finalErrors)));
  o.err(`wrote ${out}`);
}
