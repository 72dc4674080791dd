// The Python with PyTorch and torchvision for the cross-checks: the first of `python3` on PATH and
// Debian's /usr/bin/python3 (where python3-torch and python3-torchvision install) that imports both;
// null where none does (those specs skip, naming the packages; .ci/run installs them).
import { spawnSync } from "node:child_process";

let found: string | null | undefined;

export function torchPython(): string | null {
  if (found !== undefined) return found;
  found = null;
  for (const py of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(py, ["-c", "import torch, torchvision"], { encoding: "utf8" });
    if (r.status === 0) {
      found = py;
      break;
    }
  }
  return found;
}

export const NO_TORCH = "needs PyTorch: apt-get install python3-torch python3-torchvision";
