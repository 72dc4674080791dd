// Backend selection for the commands that run tfjs: --backend, then RESNETC_BACKEND, then auto.
// The one line saying which backend was chosen and why goes to stderr (stdout stays clean).
import { BACKEND_REQUESTS, BackendError, selectBackend } from "../runtime/backends/index.js";
import { UsageError } from "./errors.js";
import type { Output } from "./output.js";

export async function useBackend(o: Output, flag: string | undefined): Promise<string> {
  if (flag !== undefined && !(BACKEND_REQUESTS as readonly string[]).includes(flag)) {
    throw new UsageError(`unknown backend '${flag}'`, `backends: ${BACKEND_REQUESTS.join(", ")}`);
  }
  const chosen = await selectBackend(flag);
  o.err(chosen.reason);
  return chosen.name;
}

export { BackendError };
