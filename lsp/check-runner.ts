// Runs checks one at a time on a worker thread with a time and memory limit. A check that runs
// past the limit is stopped (the worker is terminated and a fresh one started): the caller gets
// `timedOut` and the server carries on.
import { Worker } from "node:worker_threads";
import type { CheckFacts, Overlays } from "./compiler-adapter.js";
import type { CheckRequest } from "./check-worker.js";

export type CheckOutcome =
  { kind: "ok"; facts: CheckFacts } | { kind: "timedOut" } | { kind: "failed"; error: string };

interface Job {
  req: CheckRequest;
  resolve: (o: CheckOutcome) => void;
}

export interface RunnerOptions {
  timeoutMs: number;
  /** Heap limit of the worker, so that a runaway check cannot take the machine's memory. */
  maxHeapMb?: number;
}

export class CheckRunner {
  private worker: Worker | null = null;
  private queue: Job[] = [];
  private current: Job | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;

  constructor(private readonly opts: RunnerOptions) {}

  run(path: string, text: string, overlays: Overlays): Promise<CheckOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ req: { id: this.nextId++, path, text, overlays: [...overlays] }, resolve });
      this.pump();
    });
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const job = (this.current = this.queue.shift()!);
    this.timer = setTimeout(
      () => this.finish(job, { kind: "timedOut" }, true),
      this.opts.timeoutMs,
    );
    this.ensureWorker().postMessage(job.req);
  }

  private finish(job: Job, outcome: CheckOutcome, restart: boolean): void {
    if (this.current !== job) return;
    if (this.timer) clearTimeout(this.timer);
    this.current = null;
    if (restart) this.dispose();
    job.resolve(outcome);
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const here = import.meta.url;
    const file = new URL(here.endsWith(".ts") ? "./check-worker.ts" : "./check-worker.js", here);
    const w = new Worker(file, {
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 2048 },
    });
    w.on("message", (m: { id: number; facts?: CheckFacts; error?: string }) => {
      const job = this.current;
      if (!job || job.req.id !== m.id) return;
      this.finish(
        job,
        m.facts ? { kind: "ok", facts: m.facts } : { kind: "failed", error: m.error! },
        false,
      );
    });
    const died = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      if (this.current) this.finish(this.current, { kind: "failed", error: why }, false);
    };
    w.on("error", (e) => died(`the check worker failed: ${e.message}`));
    w.on("exit", (code) => died(`the check worker exited (${code})`));
    w.unref();
    this.worker = w;
    return w;
  }
}
