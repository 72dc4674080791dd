// Chart data from a run's per-epoch metrics: one series of training error and one of test error
// (both in percent) against the epoch, as in Fig. 4 and Fig. 6 of He et al. 2015.
import type { EpochMetrics } from "../train/metrics.js";

export interface RunSeries {
  /** Legend label (the run directory's name). */
  label: string;
  /** Epochs (x). A last epoch cut short by a stop at an iteration is fractional (2.25). */
  x: number[];
  /** Training error in percent, measured over each epoch's mini-batches as they were trained. */
  trainError: number[];
  /** Test top-1 error in percent after each epoch. */
  testError: number[];
  /** Iterations done after each epoch. */
  iteration: number[];
}

/**
 * The series of one run. Every epoch but the last is complete, so the iterations of a full epoch
 * are known from the first; a last epoch with fewer iterations (stopped by `stop at iteration` or
 * `--iterations`) is placed at its fraction of an epoch. A run of one epoch stays at x = 1.
 */
export function runSeries(label: string, metrics: readonly EpochMetrics[]): RunSeries {
  const sorted = [...metrics].sort((a, b) => a.epoch - b.epoch);
  const perEpoch = sorted.length >= 2 ? sorted[0]!.iteration : null;
  const x = sorted.map((m, i) => {
    if (i !== sorted.length - 1 || i === 0 || perEpoch === null || perEpoch <= 0) return m.epoch;
    const done = m.iteration - sorted[i - 1]!.iteration;
    return done > 0 && done < perEpoch ? round(m.epoch - 1 + done / perEpoch, 4) : m.epoch;
  });
  return {
    label,
    x,
    trainError: sorted.map((m) => percent(m.trainError)),
    testError: sorted.map((m) => percent(m.testTop1Error)),
    iteration: sorted.map((m) => m.iteration),
  };
}

function percent(f: number): number {
  return round(100 * f, 4);
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

export interface FinalErrors {
  label: string;
  epochs: number;
  iterations: number;
  /** Percent, of the last epoch; null for a run without metrics. */
  trainError: number | null;
  testError: number | null;
  /** The lowest test error of any epoch (percent). */
  bestTestError: number | null;
}

export function finalErrors(s: RunSeries): FinalErrors {
  const n = s.x.length;
  return {
    label: s.label,
    epochs: n,
    iterations: n ? s.iteration[n - 1]! : 0,
    trainError: n ? s.trainError[n - 1]! : null,
    testError: n ? s.testError[n - 1]! : null,
    bestTestError: n ? Math.min(...s.testError) : null,
  };
}

/** The table of final errors as Markdown (compare.md). */
export function finalErrorsMarkdown(rows: readonly FinalErrors[], extra: string[] = []): string {
  const pct = (v: number | null) => (v === null ? "-" : `${v.toFixed(2)}%`);
  const lines = [
    "| model | epochs | iterations | training error | test error | best test error |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.epochs} | ${r.iterations} | ${pct(r.trainError)} | ${pct(r.testError)} | ${pct(r.bestTestError)} |`,
    ),
  ];
  return [...lines, ...(extra.length ? ["", ...extra] : [])].join("\n") + "\n";
}
