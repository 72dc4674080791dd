// Errors of the training loop.

/** Training cannot start or cannot go on (diverged loss, a model or data that does not fit the recipe). */
export class TrainError extends Error {
  constructor(
    message: string,
    /** The epoch (1-based) during which it happened, if any. */
    readonly epoch?: number,
    /** The iteration (1-based count of optimizer steps, including the failing one), if any. */
    readonly iteration?: number,
  ) {
    super(message);
    this.name = "TrainError";
  }
}
