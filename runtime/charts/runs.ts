// Reading run directories for charts: a run directory holds metrics.jsonl (one JSON object per
// epoch, written by the training loop). Unlike the training loop's reader, which drops a line cut
// short by a crash, this one reports any bad line: a chart must not silently leave data out.
import * as fsp from "node:fs/promises";
import { basename, join } from "node:path";
import { METRICS_FILE, type EpochMetrics } from "../train/metrics.js";

export class ChartDataError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = "ChartDataError";
  }
}

export interface RunDir {
  dir: string;
  label: string;
  metrics: EpochMetrics[];
}

const NUMBER_FIELDS = ["epoch", "iteration", "trainError", "testTop1Error"] as const;

/** Parses metrics.jsonl text; `file` names it in errors ("runs/a/metrics.jsonl:3: ..."). */
export function parseMetrics(text: string, file: string): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new ChartDataError(`${file}:${i + 1}: not valid JSON: ${clip(line)}`, file);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new ChartDataError(`${file}:${i + 1}: not a JSON object: ${clip(line)}`, file);
    }
    const o = v as Record<string, unknown>;
    for (const k of NUMBER_FIELDS) {
      if (typeof o[k] !== "number" || !Number.isFinite(o[k])) {
        throw new ChartDataError(`${file}:${i + 1}: "${k}" is missing or not a number`, file);
      }
    }
    out.push(o as unknown as EpochMetrics);
  });
  return out;
}

export async function readRunMetrics(dir: string): Promise<EpochMetrics[]> {
  const file = join(dir, METRICS_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ChartDataError(
      code === "ENOENT"
        ? `${file}: no such file (is ${dir} a run directory written by resnetc train or compare?)`
        : `${file}: cannot read it (${code ?? (e as Error).message})`,
      file,
    );
  }
  const metrics = parseMetrics(text, file);
  if (metrics.length === 0) {
    throw new ChartDataError(`${file}: no epochs yet (the file is empty)`, file);
  }
  return metrics;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * The run directories named by `dirs`: a directory with metrics.jsonl is a run; otherwise its
 * subdirectories that hold one are (sorted by name). A directory with neither is an error.
 */
export async function findRunDirs(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    if (!(await isDir(d))) throw new ChartDataError(`${d}: no such directory`, d);
    if (await isFile(join(d, METRICS_FILE))) {
      out.push(d);
      continue;
    }
    const subs = (await fsp.readdir(d, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const runs: string[] = [];
    for (const s of subs) if (await isFile(join(d, s, METRICS_FILE))) runs.push(join(d, s));
    if (runs.length === 0) {
      throw new ChartDataError(
        `${join(d, METRICS_FILE)}: no such file, and no subdirectory of ${d} holds one`,
        join(d, METRICS_FILE),
      );
    }
    out.push(...runs);
  }
  return [...new Set(out)];
}

export async function readRuns(dirs: readonly string[]): Promise<RunDir[]> {
  const runs = await findRunDirs(dirs);
  const out: RunDir[] = [];
  for (const dir of runs)
    out.push({ dir, label: runLabel(dir), metrics: await readRunMetrics(dir) });
  return out;
}

/** A run's label is its directory's name (runs/mnist_plain_20 -> mnist_plain_20). */
export function runLabel(dir: string): string {
  return basename(dir.replace(/[\\/]+$/, "")) || dir;
}

function clip(s: string): string {
  return s.length > 60 ? JSON.stringify(s.slice(0, 57) + "...") : JSON.stringify(s);
}
