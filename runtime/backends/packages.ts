// Finding and loading the optional packages a backend needs, without ever crashing on them.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/** Packages built into this process (a single-file bundle), by name: module and version. */
const bundled = new Map<string, { module: unknown; version: string | null }>();

/**
 * Declares a package as present in this process though it cannot be resolved from disk: a bundle
 * (bench/gpu) imports it up front and registers it here, so that the probes find it installed and
 * importOptional returns that module.
 */
export function registerBundled(pkg: string, module: unknown, version: string | null = null): void {
  bundled.set(pkg, { module, version });
}

/** The package's directory if it can be resolved from here, else null. */
export function packageDir(pkg: string): string | null {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    // Packages whose "exports" hide package.json: find it above the main entry.
  }
  try {
    let dir = path.dirname(require.resolve(pkg));
    for (let i = 0; i < 6; i++) {
      const file = path.join(dir, "package.json");
      try {
        const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string };
        if (json.name === pkg) return dir;
      } catch {
        // keep climbing
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not resolvable at all
  }
  return null;
}

export function isInstalled(pkg: string): boolean {
  return bundled.has(pkg) || packageDir(pkg) != null;
}

/** The installed version, or null when the package is not installed. */
export function packageVersion(pkg: string): string | null {
  const b = bundled.get(pkg);
  if (b != null) return b.version;
  const dir = packageDir(pkg);
  if (dir == null) return null;
  try {
    const json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      version?: string;
    };
    return json.version ?? null;
  } catch {
    return null;
  }
}

export type ImportResult =
  { ok: true; module: unknown } | { ok: false; notInstalled: boolean; message: string };

const loaded = new Map<string, Promise<ImportResult>>();

/**
 * import() of an optional package inside try/catch: a missing package is reported as such, a
 * broken one (native binding missing, wrong CUDA, ...) with the real error message. Each package
 * is imported at most once per process.
 */
export function importOptional(pkg: string): Promise<ImportResult> {
  let p = loaded.get(pkg);
  if (p == null) {
    p = (async (): Promise<ImportResult> => {
      const b = bundled.get(pkg);
      if (b != null) return { ok: true, module: b.module };
      if (!isInstalled(pkg)) return { ok: false, notInstalled: true, message: "not installed" };
      try {
        return { ok: true, module: await import(pkg) };
      } catch (err) {
        return { ok: false, notInstalled: false, message: errorMessage(err) };
      }
    })();
    loaded.set(pkg, p);
  }
  return p;
}

/** True once importOptional(pkg) has succeeded in this process. */
export async function wasLoaded(pkg: string): Promise<boolean> {
  const p = loaded.get(pkg);
  return p != null && (await p).ok;
}

/** An error's message on one line (native loaders write several), at most 600 characters. */
export function errorMessage(err: unknown): string {
  let msg: string;
  if (err instanceof Error) msg = err.message;
  else if (typeof err === "object" && err != null && "message" in err) {
    msg = String((err as { message: unknown }).message);
  } else msg = String(err);
  msg = msg.replace(/\s*\n\s*/g, " | ").trim();
  return msg.length > 600 ? `${msg.slice(0, 597)}...` : msg;
}
