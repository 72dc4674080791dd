// Per-epoch metrics: the line logged after each epoch and the JSON objects of metrics.jsonl.
import * as fsp from "node:fs/promises";

import { writeFileAtomic } from "../io/atomic.js";

export const METRICS_FILE = "metrics.jsonl";

export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  /** Optimizer steps done so far (all epochs). */
  iteration: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
  /** Mean training loss over the epoch's mini-batches (weighted by batch size), BN in training mode. */
  trainLoss: number;
  /** Fraction of the epoch's training examples misclassified at the time of their step. */
  trainError: number;
  testLoss: number;
  testTop1Error: number;
  /** null with fewer than 5 classes. */
  testTop5Error: number | null;
  /** Training images per second (steps only, not evaluation). */
  imagesPerSec: number;
  /** Wall time of the epoch, training and evaluation. */
  seconds: number;
}

export function formatEpochLine(m: EpochMetrics, epochs: number): string {
  const top5 = m.testTop5Error === null ? "" : `  top5 ${pct(m.testTop5Error)}`;
  return (
    `epoch ${m.epoch}/${epochs}  iter ${m.iteration}  lr ${fmtLr(m.lr)}  ` +
    `train loss ${m.trainLoss.toFixed(4)} err ${pct(m.trainError)}  ` +
    `test loss ${m.testLoss.toFixed(4)} top1 ${pct(m.testTop1Error)}${top5}  ` +
    `${Math.round(m.imagesPerSec)} img/s  ${m.seconds.toFixed(1)}s`
  );
}

export async function appendMetrics(file: string, m: EpochMetrics): Promise<void> {
  await fsp.appendFile(file, JSON.stringify(m) + "\n");
}

/** Reads metrics.jsonl (missing file: []); lines that do not parse are skipped. */
export async function readMetrics(file: string): Promise<EpochMetrics[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    return [];
  }
  const out: EpochMetrics[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as EpochMetrics);
    } catch {
      // A line cut short by a crash: drop it.
    }
  }
  return out;
}

/** Keeps the lines of epochs <= `epochs` (resuming: drops epochs the checkpoint does not include). */
export async function truncateMetrics(file: string, epochs: number): Promise<EpochMetrics[]> {
  const kept = (await readMetrics(file)).filter((m) => m.epoch <= epochs);
  await writeFileAtomic(file, kept.map((m) => JSON.stringify(m) + "\n").join(""));
  return kept;
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function fmtLr(lr: number): string {
  return Number(lr.toPrecision(4)).toString();
}
