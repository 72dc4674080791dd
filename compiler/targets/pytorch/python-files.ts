// The static Python sources the target copies into a build (compiler/targets/pytorch/python/),
// found from the TypeScript sources and from dist/ alike.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export function pythonDir(): string {
  for (const d of [
    resolve(here, "python"),
    resolve(here, "../../../../compiler/targets/pytorch/python"),
  ])
    if (existsSync(resolve(d, "train.py"))) return d;
  throw new Error(`internal: the PyTorch target's python/ folder is not near ${here}`);
}

export function pythonFile(name: string): string {
  return readFileSync(resolve(pythonDir(), name), "utf8");
}
