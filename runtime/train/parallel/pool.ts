// Worker threads for data-parallel training: start them (each builds the model on its own backend),
// send each its share of a step, collect the results. A worker that fails or exits rejects the
// step it was working on with its own message; nothing waits forever on a dead thread.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

import type { Answer, FromWorker, InitMessage, ToWorker } from "./protocol.js";

/**
 * Starts the worker script beside this file: worker.js when built; worker.ts when run from source
 * (tsx, vitest), through tsx's loader registered inside the new thread.
 */
function startWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith(".ts");
  const url = new URL(ts ? "./worker.ts" : "./worker.js", import.meta.url);
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw new Error(`the training worker script is missing: ${file}`);
  if (!ts) return new Worker(file);
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true });
}

export class WorkerFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkerFailure";
  }
}

interface Pending {
  resolve: (m: Answer) => void;
  reject: (e: Error) => void;
}

class Thread {
  private pending: Pending | null = null;
  private dead: Error | null = null;
  private ready: Promise<void>;
  private task = "training step";

  constructor(
    private readonly worker: Worker,
    readonly index: number,
  ) {
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    // The trainer may fail before awaiting `ready`; never an unhandled rejection.
    this.ready.catch(() => {});
    const fail = (e: Error) => {
      if (this.dead !== null) return;
      this.dead = e;
      readyReject(e);
      this.pending?.reject(e);
      this.pending = null;
    };
    worker.on("message", (m: FromWorker) => {
      if (m.type === "ready") readyResolve();
      else if (m.type !== "error") {
        const p = this.pending;
        this.pending = null;
        p?.resolve(m);
      } else if (m.id === null)
        fail(new WorkerFailure(`worker ${index} failed to start: ${m.message}`));
      else {
        const p = this.pending;
        this.pending = null;
        p?.reject(new WorkerFailure(`worker ${index} failed in a ${this.task}: ${m.message}`));
      }
    });
    worker.on("error", (e) => fail(new WorkerFailure(`worker ${index} crashed: ${e.message}`)));
    worker.on("exit", (code) =>
      fail(new WorkerFailure(`worker ${index} exited (code ${code}) in the middle of training`)),
    );
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Sends a request and resolves with its answer (a "step" with a "result", and so on). */
  run<A extends Answer>(m: ToWorker & { id: number }, transfer: ArrayBuffer[]): Promise<A> {
    if (this.dead !== null) return Promise.reject(this.dead);
    if (this.pending !== null) return Promise.reject(new Error(`worker ${this.index} is busy`));
    this.task = m.type === "step" ? "training step" : "inference";
    return new Promise<A>((resolve, reject) => {
      this.pending = { resolve: resolve as (m: Answer) => void, reject };
      this.worker.postMessage(m, transfer);
    });
  }

  async close(): Promise<void> {
    this.dead ??= new WorkerFailure(`worker ${this.index} was closed`);
    this.pending?.reject(this.dead);
    this.pending = null;
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
}

/** `count` worker threads, each with the model described by `init`. */
export class WorkerPool {
  private constructor(readonly threads: Thread[]) {}

  static async start(count: number, init: InitMessage): Promise<WorkerPool> {
    const threads: Thread[] = [];
    for (let i = 0; i < count; i++) {
      // Not unref'd: the trainer awaits its messages. The trainer closes the pool when it ends.
      const w = startWorker();
      const t = new Thread(w, i + 1);
      w.postMessage(init);
      threads.push(t);
    }
    const pool = new WorkerPool(threads);
    try {
      await Promise.all(threads.map((t) => t.whenReady()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

export type { Thread };
