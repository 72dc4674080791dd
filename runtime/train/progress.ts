// What training reports while an epoch runs. Rendering it (a bar on a terminal, periodic lines) is
// the CLI's business (cli/progress.ts); the runtime only calls these.
export interface ProgressUpdate {
  /** Mini-batches done in this epoch. */
  batch: number;
  /** Running mean training loss and accuracy over the epoch so far. */
  loss: number;
  accuracy: number;
  imagesPerSec: number;
}

export interface ProgressReporter {
  startEpoch(epoch: number, epochs: number, totalBatches: number, startBatch: number): void;
  update(u: ProgressUpdate): void;
  /** Ends the epoch's display (before the epoch line is logged). */
  endEpoch(): void;
}

/** Reports nothing. */
export const NO_PROGRESS: ProgressReporter = { startEpoch() {}, update() {}, endEpoch() {} };
