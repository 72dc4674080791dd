// The Python with PyTorch that the PyTorch target's specs run (Debian's python3-torch is
// /usr/bin/python3, which may not be the first python3 on PATH). Without one the specs skip with
// the reason, except in CI, where .ci/run installs it and a missing torch is a failure.
import { spawnSync } from "node:child_process";

export const PYTHON: string | null =
  ["/usr/bin/python3", "python3"].find(
    (p) =>
      spawnSync(p, ["-c", "import torch, torchvision"], { stdio: "ignore", timeout: 60_000 })
        .status === 0,
  ) ?? null;

export const NO_TORCH =
  "python3 with torch and torchvision not found (apt-get install python3-torch python3-torchvision)";

/** Skip without torch, but never in CI (there the spec fails instead). */
export const skipWithoutTorch = PYTHON === null && !process.env.CI;

if (skipWithoutTorch) console.warn(`skipping the PyTorch target's specs: ${NO_TORCH}`);

export function python(): string {
  if (PYTHON === null) throw new Error(NO_TORCH);
  return PYTHON;
}

/** The environment for PyTorch runs: without the OpenBLAS overrides some machines set. */
export function torchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}
