// The learning-rate schedule: a base rate divided at milestones (counted in iterations or epochs), preceded
// by an optional warm-up at a small rate that lasts at most `warmup.iterations` iterations and ends early
// once the running training error falls below `warmup.untilTrainError` (the paper's ResNet-110 recipe:
// 0.01 until the training error is below 80%, then back to 0.1).
import type { TrainRecipe } from "../../compiler/recipe.js";

/** Number of recent mini-batches whose mean error is the "running training error" of the warm-up. */
export const RUNNING_ERROR_WINDOW = 20;

export type ScheduleRecipe = Pick<TrainRecipe, "lr" | "schedule" | "warmup">;

/** The warm-up's progress; saved in checkpoints. */
export interface WarmupState {
  /** True once the warm-up is over (iterations used up, or the running error fell below the threshold). */
  done: boolean;
  /** The iteration at which it ended, or null while it lasts (or when there is none). */
  endedAt: number | null;
  /** Errors (0..1) of the most recent mini-batches, oldest first, at most the window's size. */
  recentErrors: number[];
}

/**
 * The learning rate of the step schedule alone at `iteration` (0-based count of the optimizer steps done
 * before this one): `lr * factor^k`, k = number of milestones reached. Milestones in epochs are compared
 * with the epoch `floor(iteration / itersPerEpoch)`, so `milestones: [2]` lowers the rate from the first
 * step of the third epoch.
 */
export function stepLr(recipe: ScheduleRecipe, iteration: number, itersPerEpoch: number): number {
  const { milestones, factor, unit } = recipe.schedule;
  const at = unit === "epoch" ? Math.floor(iteration / Math.max(1, itersPerEpoch)) : iteration;
  let lr = recipe.lr;
  for (const m of milestones) if (at >= m) lr *= factor;
  return lr;
}

/** The full schedule: warm-up, then the step schedule. Stateful only through the warm-up. */
export class LrSchedule {
  private state: WarmupState;
  private readonly window: number;

  constructor(
    readonly recipe: ScheduleRecipe,
    readonly itersPerEpoch: number,
    opts: { window?: number } = {},
  ) {
    this.window = Math.max(1, opts.window ?? RUNNING_ERROR_WINDOW);
    const none = recipe.warmup === null || recipe.warmup.iterations <= 0;
    this.state = { done: none, endedAt: null, recentErrors: [] };
  }

  /** Whether step `iteration` runs at the warm-up rate. */
  inWarmup(iteration: number): boolean {
    const w = this.recipe.warmup;
    return w !== null && !this.state.done && iteration < w.iterations;
  }

  /** The learning rate for step `iteration` (0-based). */
  lrAt(iteration: number): number {
    if (this.inWarmup(iteration)) return this.recipe.warmup!.lr;
    return stepLr(this.recipe, iteration, this.itersPerEpoch);
  }

  /** The mean error of the last mini-batches (null before the first). */
  runningError(): number | null {
    const e = this.state.recentErrors;
    if (e.length === 0) return null;
    return e.reduce((a, b) => a + b, 0) / e.length;
  }

  /**
   * Records the training error (0..1) of step `iteration` once it is done. Returns a message when this
   * ends the warm-up, else null. The early end needs a full window of batches.
   */
  observe(iteration: number, batchError: number): string | null {
    const e = this.state.recentErrors;
    e.push(batchError);
    if (e.length > this.window) e.splice(0, e.length - this.window);
    const w = this.recipe.warmup;
    if (w === null || this.state.done) return null;
    const next = iteration + 1;
    const running = this.runningError()!;
    if (w.untilTrainError != null && e.length >= this.window && running < w.untilTrainError) {
      this.state.done = true;
      this.state.endedAt = next;
      return (
        `warm-up ended after ${next} iterations: running train error ${pct(running)} < ${pct(w.untilTrainError)}; ` +
        `lr ${stepLr(this.recipe, next, this.itersPerEpoch)}`
      );
    }
    if (next >= w.iterations) {
      this.state.done = true;
      this.state.endedAt = next;
      return `warm-up ended after ${next} iterations (its limit); lr ${stepLr(this.recipe, next, this.itersPerEpoch)}`;
    }
    return null;
  }

  getState(): WarmupState {
    return { ...this.state, recentErrors: [...this.state.recentErrors] };
  }

  setState(s: WarmupState): void {
    this.state = { done: s.done, endedAt: s.endedAt, recentErrors: [...s.recentErrors] };
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
