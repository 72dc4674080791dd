// Progress within an epoch, as the terminal shows it: a cli-progress bar on a terminal, plain
// periodic lines otherwise, or nothing (--progress bar|lines|none).
import cliProgress from "cli-progress";
import {
  NO_PROGRESS,
  type ProgressReporter,
  type ProgressUpdate,
} from "../runtime/train/progress.js";

export type ProgressMode = "bar" | "lines" | "none";

/** The default mode: a bar when stdout is a terminal, lines otherwise. */
export function defaultProgressMode(): ProgressMode {
  return process.stdout.isTTY ? "bar" : "lines";
}

export function createProgress(
  mode: ProgressMode,
  log: (line: string) => void,
  opts: { intervalSeconds?: number } = {},
): ProgressReporter {
  if (mode === "bar") return new BarProgress();
  if (mode === "lines") return new LineProgress(log, opts.intervalSeconds ?? 10);
  return NO_PROGRESS;
}

class BarProgress implements ProgressReporter {
  private bar: cliProgress.SingleBar | null = null;

  startEpoch(epoch: number, epochs: number, totalBatches: number, startBatch: number): void {
    this.endEpoch();
    this.bar = new cliProgress.SingleBar(
      {
        format:
          "epoch {epoch}/{epochs} |{bar}| {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}",
        stream: process.stdout,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(totalBatches, startBatch, { epoch, epochs, loss: "-", acc: "-", ips: "-" });
  }

  update(u: ProgressUpdate): void {
    this.bar?.update(u.batch, {
      loss: u.loss.toFixed(4),
      acc: `${(u.accuracy * 100).toFixed(1)}%`,
      ips: Math.round(u.imagesPerSec),
    });
  }

  endEpoch(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

class LineProgress implements ProgressReporter {
  private epoch = 0;
  private epochs = 0;
  private total = 0;
  private startBatch = 0;
  private started = 0;
  private last = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly intervalSeconds: number,
  ) {}

  startEpoch(epoch: number, epochs: number, totalBatches: number, startBatch: number): void {
    this.epoch = epoch;
    this.epochs = epochs;
    this.total = totalBatches;
    this.startBatch = startBatch;
    this.started = this.last = performance.now();
  }

  update(u: ProgressUpdate): void {
    const now = performance.now();
    if ((now - this.last) / 1000 < this.intervalSeconds) return;
    this.last = now;
    const done = u.batch - this.startBatch;
    const perBatch = done > 0 ? (now - this.started) / 1000 / done : 0;
    const eta = Math.max(0, this.total - u.batch) * perBatch;
    this.log(
      `  epoch ${this.epoch}/${this.epochs}  batch ${u.batch}/${this.total}  loss ${u.loss.toFixed(4)}  ` +
        `acc ${(u.accuracy * 100).toFixed(1)}%  ${Math.round(u.imagesPerSec)} img/s  ETA ${formatDuration(eta)}`,
    );
  }

  endEpoch(): void {}
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
