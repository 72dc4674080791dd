// How many data-parallel workers a training run uses: --workers N, or `auto`.
import { availableParallelism } from "node:os";

/** Backends whose kernels run on this thread's CPU, so that more threads mean more cores at work. */
export const PARALLEL_BACKENDS: readonly string[] = ["wasm", "cpu"];

/** Each share keeps at least this many examples under `auto`, so batch norm's statistics stay sound. */
export const MIN_SHARE = 16;

/**
 * `auto`: on wasm and cpu (one thread per backend instance), one worker per core, as long as each
 * share of the batch keeps MIN_SHARE examples; on GPU backends, one.
 */
export function autoWorkers(
  backend: string,
  batchSize: number,
  cores = availableParallelism(),
): number {
  if (!PARALLEL_BACKENDS.includes(backend)) return 1;
  return Math.max(1, Math.min(cores, Math.floor(batchSize / MIN_SHARE)));
}
