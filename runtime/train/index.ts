// The training runtime's public API (what the CLI uses).
export { TrainError } from "./errors.js";
export {
  type EvalOptions,
  type EvalResult,
  type Prediction,
  LOGITS_LAYER,
  evaluate,
  logitsModel,
  modelInputShape,
  predict,
} from "./evaluate.js";
export { applyFrozen, freezeLayers, frozenWeights } from "./freeze.js";
export { type EpochMetrics, METRICS_FILE, formatEpochLine, readMetrics } from "./metrics.js";
export { SgdMomentum, isDecayedWeight } from "./optimizer.js";
export { NO_PROGRESS, type ProgressReporter, type ProgressUpdate } from "./progress.js";
export { LrSchedule, RUNNING_ERROR_WINDOW, stepLr } from "./schedule.js";
export { MODEL_DIR, type TrainOptions, type TrainResult, train } from "./train.js";
export { type ParallelOptions, shares } from "./parallel/stepper.js";
export { MIN_SHARE, PARALLEL_BACKENDS, autoWorkers } from "./parallel/workers.js";
