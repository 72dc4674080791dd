import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { atomicFs } from "../../../runtime/io/atomic.js";
import {
  CHECKPOINT_JSON,
  type Checkpoint,
  hasCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "../../../runtime/io/checkpoint.js";
import { CheckpointError } from "../../../runtime/io/errors.js";
import { recipe } from "../train/helpers.js";

let dir: string;
beforeEach(async () => {
  dir = path.join(await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-ckpt-")), "checkpoint");
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fsp.rm(path.dirname(dir), { recursive: true, force: true });
});

function sample(iteration: number): Checkpoint {
  const f = (n: number, k: number) =>
    Float32Array.from({ length: n }, (_, i) => i * 0.25 + k + iteration);
  return {
    epoch: 3,
    batchInEpoch: 2,
    iteration,
    seed: 42,
    rng: [1, 2, 3, 4],
    warmup: { done: true, endedAt: 17, recentErrors: [0.5, 0.25] },
    partial: { lossSum: 1.5, errors: 3, images: 16, trainSeconds: 0.5, seconds: 0.75, lr: 0.1 },
    recipe: recipe(),
    data: { name: "memory", shape: [2, 2, 1], classes: 4, trainSize: 32 },
    weights: [
      { name: "conv1/kernel", shape: [3, 3, 1, 2], values: f(18, 1) },
      { name: "bn1/moving_mean", shape: [2], values: f(2, 2) },
    ],
    velocities: [{ name: "conv1/kernel", shape: [3, 3, 1, 2], values: f(18, -1) }],
    mean: { name: "mean", shape: [2, 2, 1], values: f(4, 0.5) },
  };
}

const listing = async () => (await fsp.readdir(dir)).sort();

describe("checkpoints", () => {
  it("round-trips every field", async () => {
    const c = sample(100);
    const file = await saveCheckpoint(dir, c);
    expect(file).toBe(path.join(dir, CHECKPOINT_JSON));
    expect(await hasCheckpoint(dir)).toBe(true);
    expect(await loadCheckpoint(dir)).toEqual(c);
    const files = await listing();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe(CHECKPOINT_JSON);
    expect(files[1]).toMatch(/^state-00000100-[0-9a-f]{8}\.bin$/);
    const manifest = JSON.parse(await fsp.readFile(file, "utf8"));
    expect(manifest).toMatchObject({
      format: "resnetc-checkpoint",
      version: 1,
      epoch: 3,
      iteration: 100,
    });
  });

  it("replaces the previous checkpoint and removes its data file", async () => {
    await saveCheckpoint(dir, sample(1));
    await saveCheckpoint(dir, sample(2));
    expect((await loadCheckpoint(dir)).iteration).toBe(2);
    expect((await listing()).filter((f) => f.endsWith(".bin"))).toHaveLength(1);
  });

  it("a write that fails when committing leaves the previous checkpoint intact and no partial files", async () => {
    await saveCheckpoint(dir, sample(1));
    const before = await listing();
    // Renames: 1 = the new data file, 2 = checkpoint.json (the commit). Fail each in turn.
    for (const failing of [1, 2]) {
      let n = 0;
      const real = atomicFs.rename;
      const spy = vi.spyOn(atomicFs, "rename").mockImplementation(async (a, b) => {
        if (++n === failing) throw new Error("simulated crash");
        return real(a, b);
      });
      await expect(saveCheckpoint(dir, sample(2))).rejects.toThrow("simulated crash");
      spy.mockRestore();
      expect(await listing()).toEqual(before);
      const c = await loadCheckpoint(dir);
      expect(c).toEqual(sample(1));
    }
  });

  it("ignores leftovers of a crashed write and cleans them up on the next save", async () => {
    await saveCheckpoint(dir, sample(1));
    await fsp.writeFile(path.join(dir, `.${CHECKPOINT_JSON}.tmp-1-deadbeef`), "{ half");
    await fsp.writeFile(path.join(dir, "state-00000002-deadbeef.bin"), "partial");
    expect((await loadCheckpoint(dir)).iteration).toBe(1);
    await saveCheckpoint(dir, sample(3));
    expect(await listing()).toHaveLength(2);
    expect((await loadCheckpoint(dir)).iteration).toBe(3);
  });

  it("no checkpoint: an error naming checkpoint.json", async () => {
    const p = path.join(dir, CHECKPOINT_JSON);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `cannot resume: there is no checkpoint at ${p}`,
    );
    await expect(loadCheckpoint(dir)).rejects.toBeInstanceOf(CheckpointError);
  });

  it("truncated checkpoint.json: an error naming it", async () => {
    const p = await saveCheckpoint(dir, sample(1));
    const text = await fsp.readFile(p, "utf8");
    await fsp.writeFile(p, text.slice(0, 50));
    const err = await loadCheckpoint(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).file).toBe(p);
    expect((err as Error).message).toMatch(
      new RegExp(`^the checkpoint ${escape(p)} is corrupt or truncated \\(not valid JSON: `),
    );
  });

  it("truncated or corrupt data file: an error naming it", async () => {
    await saveCheckpoint(dir, sample(1));
    const bin = path.join(
      dir,
      (await listing()).find((f) => f.endsWith(".bin"))!,
    );
    const data = await fsp.readFile(bin);
    await fsp.writeFile(bin, data.subarray(0, data.length - 10));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `the checkpoint data file ${bin} is truncated or corrupt: ${data.length - 10} bytes, expected ${data.length}`,
    );
    const flipped = Buffer.from(data);
    flipped[5] ^= 0xff;
    await fsp.writeFile(bin, flipped);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `the checkpoint data file ${bin} is corrupt: its SHA-256 does not match the one in ${path.join(dir, CHECKPOINT_JSON)}`,
    );
    await fsp.rm(bin);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `the checkpoint data file ${bin} (named by ${path.join(dir, CHECKPOINT_JSON)}) is missing`,
    );
  });

  it("another format version: an error naming the file", async () => {
    const p = await saveCheckpoint(dir, sample(1));
    const m = JSON.parse(await fsp.readFile(p, "utf8"));
    m.version = 99;
    await fsp.writeFile(p, JSON.stringify(m));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `the checkpoint ${p} has format version 99; this resnetc reads version 1`,
    );
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
