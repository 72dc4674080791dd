// Runs checks one at a time on a worker thread with a time and memory limit. A check that runs
// past the limit is stopped (the worker is terminated and a fresh one started): the caller gets
// `stopped` and the server carries on.
import { Worker } from "node:worker_threads";
import type { CheckFacts, Overlays } from "./compiler-adapter.js";
import type { CheckRequest } from "./check-worker.js";

export type CheckOutcome =
  | { kind: "ok"; facts: CheckFacts }
  /** Stopped at the time or memory limit: a runaway spec, not a bug. */
  | { kind: "stopped"; reason: string }
  | { kind: "failed"; error: string }
  /** A newer check of the same file was queued before this one started. */
  | { kind: "superseded" };

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
  /** The worker has loaded the compiler (its start-up is not counted against a check's time). */
  private ready = false;
  private queue: Job[] = [];
  private current: Job | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;

  constructor(private readonly opts: RunnerOptions) {}

  run(path: string, text: string, overlays: Overlays): Promise<CheckOutcome> {
    return new Promise((resolve) => {
      // Typing faster than checks run: only the newest text of a file waits.
      for (const old of this.queue.filter((j) => j.req.path === path)) {
        this.queue.splice(this.queue.indexOf(old), 1);
        old.resolve({ kind: "superseded" });
      }
      this.queue.push({ req: { id: this.nextId++, path, text, overlays: [...overlays] }, resolve });
      this.pump();
    });
  }

  /** Starts the worker now, so that the first check does not wait for it to load. */
  warmUp(): void {
    this.ensureWorker();
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const w = this.ensureWorker();
    if (!this.ready) return; // pumped again when the worker says it is ready
    const job = (this.current = this.queue.shift()!);
    this.timer = setTimeout(
      () => this.finish(job, { kind: "stopped", reason: `after ${this.opts.timeoutMs} ms` }, true),
      this.opts.timeoutMs,
    );
    w.postMessage(job.req);
  }

  private finish(job: Job, outcome: CheckOutcome, restart: boolean): void {
    if (this.current !== job) return;
    if (this.timer) clearTimeout(this.timer);
    this.current = null;
    if (restart) this.dispose();
    job.resolve(outcome);
    if (restart) this.ensureWorker(); // warm up the next one now
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const here = import.meta.url;
    const file = new URL(here.endsWith(".ts") ? "./check-worker.ts" : "./check-worker.js", here);
    const w = new Worker(file, {
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 2048 },
    });
    this.ready = false;
    w.on("message", (m: { id: number; facts?: CheckFacts; error?: string; ready?: boolean }) => {
      if (this.worker !== w) return;
      if (m.ready) {
        this.ready = true;
        this.pump();
        return;
      }
      const job = this.current;
      if (!job || job.req.id !== m.id) return;
      this.finish(
        job,
        m.facts ? { kind: "ok", facts: m.facts } : { kind: "failed", error: m.error! },
        false,
      );
    });
    const died = (outcome: CheckOutcome) => {
      if (this.worker !== w) return;
      this.worker = null;
      if (this.current) return this.finish(this.current, outcome, false);
      // It died loading: fail what waits rather than restart it in a loop.
      for (const job of this.queue.splice(0)) job.resolve(outcome);
    };
    w.on("error", (e: Error & { code?: string }) =>
      died(
        e.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? { kind: "stopped", reason: `at the memory limit (${this.opts.maxHeapMb ?? 2048} MB)` }
          : { kind: "failed", error: `the check worker failed: ${e.stack ?? e.message}` },
      ),
    );
    w.on("exit", (code) =>
      died({ kind: "failed", error: `the check worker exited with code ${code}` }),
    );
    w.unref();
    this.worker = w;
    return w;
  }
}
