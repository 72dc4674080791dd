// Backend selection for the commands that run tfjs: --backend, then RESNETC_BACKEND, then auto.
import { selectBackend } from "../runtime/backends/index.js";
import { UsageError } from "./errors.js";
import type { Output } from "./output.js";

export const BACKENDS = ["auto", "gpu", "node", "webgpu", "wasm", "cpu"] as const;
export type BackendRequest = (typeof BACKENDS)[number];

export async function useBackend(o: Output, flag: string | undefined): Promise<string> {
  const req = flag ?? process.env.RESNETC_BACKEND ?? "auto";
  if (!(BACKENDS as readonly string[]).includes(req)) {
    throw new UsageError(`unknown backend '${req}'`, `backends: ${BACKENDS.join(", ")}`);
  }
  const chosen = await selectBackend(req as BackendRequest);
  o.err(chosen.reason);
  return chosen.name;
}
