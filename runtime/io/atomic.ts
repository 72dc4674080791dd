// Atomic file and directory writes: the content goes into a temporary sibling first and is renamed into
// place only once complete, so a crash (or a failed write) never leaves a half-written file under the
// final name. The file-system calls go through `atomicFs` so that specs can inject failures.
import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import * as path from "node:path";

/** The file-system operations used here; replaceable in specs to simulate a crash mid-write. */
export const atomicFs = {
  rename: (from: string, to: string): Promise<void> => fsp.rename(from, to),
  rm: (p: string): Promise<void> => fsp.rm(p, { recursive: true, force: true }),
};

/** A unique temporary name beside `target` (same directory, so the final rename stays atomic). */
export function tempSibling(target: string, tag = "tmp"): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${tag}-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** Writes `data` to `file` atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  try {
    const fh = await fsp.open(tmp, "w");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await atomicFs.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Replaces the directory `dir` with one produced by `fill(tmpDir)`. `fill` writes into a fresh temporary
 * directory beside `dir`; only when it succeeds is the old `dir` moved aside and the new one renamed into
 * place (two renames: a directory cannot be replaced in one step on POSIX, so there is a moment when `dir`
 * is absent, but never a moment when it is half-written). On failure the old `dir` is left as it was.
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  const tmp = tempSibling(dir);
  await fsp.mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  let old: string | null = null;
  try {
    if (await exists(dir)) {
      old = tempSibling(dir, "old");
      await atomicFs.rename(dir, old);
    }
    await atomicFs.rename(tmp, dir);
  } catch (err) {
    // Put the previous directory back if it was moved aside.
    if (old !== null && !(await exists(dir))) await fsp.rename(old, dir).catch(() => undefined);
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  if (old !== null) await atomicFs.rm(old).catch(() => undefined);
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch {
    return false;
  }
}
