// Ctrl-C while training: the first SIGINT aborts the run's signal (training finishes the current
// step, writes a checkpoint and returns interrupted); a second exits at once with 130.
import { EXIT } from "./errors.js";

export interface Interrupt {
  signal: AbortSignal;
  /** Removes the handler (call when the run is over). */
  dispose(): void;
}

export function interruptOnSigint(log: (line: string) => void): Interrupt {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      log("Second interrupt: exiting at once, without a new checkpoint.");
      process.exit(EXIT.interrupted);
    }
    controller.abort();
    log(
      "Interrupt: finishing the current step, then writing a checkpoint (Ctrl-C again to exit at once).",
    );
  };
  process.on("SIGINT", onSigint);
  return { signal: controller.signal, dispose: () => process.off("SIGINT", onSigint) };
}
