import { spawn } from "node:child_process";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { loadCheckpoint } from "../../../runtime/io/checkpoint.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const child = path.join(here, "fixtures", "sigint-child.ts");

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-sigint-"));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

function run(args: string[], interruptOn?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, ...args], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let sent = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (interruptOn !== undefined && !sent && out.includes(interruptOn)) {
        sent = true;
        p.kill("SIGINT");
      }
    };
    p.stdout.on("data", onData);
    p.stderr.on("data", onData);
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, out }));
  });
}

describe("SIGINT", () => {
  it("writes a checkpoint, says how to resume, exits 130; resuming finishes the run", async () => {
    const outDir = path.join(root, "run");
    const first = await run([outDir, "50"], "READY");
    expect(first.code, first.out).toBe(130);
    expect(first.out).toContain("Interrupt: finishing the current step, then writing a checkpoint");
    const ckptFile = path.join(outDir, "checkpoint", "checkpoint.json");
    expect(first.out).toMatch(
      new RegExp(
        `Interrupted at epoch 1 \\(after batch 1 of 4\\), iteration 1\\. Checkpoint written to ${ckptFile.replace(/[.]/g, "\\.")}\\.`,
      ),
    );
    expect(first.out).toContain(`To resume: sigint-child.ts ${outDir} 50 resume`);
    const ck = await loadCheckpoint(path.dirname(ckptFile));
    expect(ck).toMatchObject({ epoch: 0, batchInEpoch: 1, iteration: 1 });

    const second = await run([outDir, "2", "resume"]);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain(`Resuming from ${ckptFile}: epoch 1 (from batch 2 of 4)`);
    expect(second.out).toContain('RESULT {"interrupted":false,"epochs":2,"iteration":8}');
    expect((await fsp.readdir(path.join(outDir, "model"))).sort()).toEqual([
      "mean.json",
      "model.json",
      "weights.bin",
    ]);
  });
});
