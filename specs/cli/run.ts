// Runs the built resnetc binary as a user would, capturing stdout, stderr and the exit code.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

export const BIN = resolve("bin/resnetc.js");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function resnetc(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...opts.env },
    encoding: "utf8",
    input: opts.input,
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user must never see a stack trace. */
export function noStack(r: Run): boolean {
  return !/\n\s+at .+:\d+:\d+\)?/.test(r.stderr + r.stdout);
}
