// The worker thread that runs the compiler's checks, so that the server's thread never blocks:
// a check that runs too long (a typo like `n = 1000000`) is stopped by terminating this thread.
import { parentPort } from "node:worker_threads";
import { checkText } from "./compiler-adapter.js";

export interface CheckRequest {
  id: number;
  path: string;
  text: string;
  overlays: [string, string][];
}

// Loaded: checks may start (the runner's clock for a check starts here, not at thread start).
parentPort?.postMessage({ ready: true });

parentPort?.on("message", (req: CheckRequest) => {
  try {
    const facts = checkText(req.path, req.text, new Map(req.overlays));
    parentPort!.postMessage({ id: req.id, facts });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ id: req.id, error: `${err?.message}\n${err?.stack ?? ""}` });
  }
});
