// selectBackend(): sets the tfjs-core backend from --backend / RESNETC_BACKEND and says why.

import * as tf from "@tensorflow/tfjs-core";
import { registerWasmTrainingKernels } from "../kernels/wasm/index.js";
import { BackendError } from "./errors.js";
import { activate, probe, threadsOf } from "./probes.js";
import { quietCpuBanner } from "./quiet.js";
import { adapterLabel } from "./webgpu.js";
import {
  AUTO_ORDER,
  BACKEND_REQUESTS,
  type BackendChoice,
  type BackendName,
  type BackendProbe,
  type BackendRequest,
} from "./types.js";

export interface SelectOptions {
  /** Environment to read RESNETC_BACKEND from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

function threadPhrase(threads: number | undefined): string {
  if (threads == null) return "";
  return `; ${threads} thread${threads === 1 ? "" : "s"}`;
}

function unavailableMessage(p: BackendProbe, source: string): string {
  let msg = `backend '${p.name}' ${source} is not available: ${p.summary}`;
  if (p.detail) msg += ` (${p.detail})`;
  if (p.hint) msg += `. To use it, ${p.hint}`;
  return `${msg}. Or use --backend auto.`;
}

/**
 * Sets the tfjs-core backend and returns which one and why, as one line.
 *
 * `request` is the --backend flag; pass undefined when the user gave none, and RESNETC_BACKEND
 * (then "auto") applies. `auto` tries tfjs-node-gpu (only if it sees a CUDA device), tfjs-node,
 * webgpu (only if Dawn finds a hardware adapter), wasm, cpu. An explicit request that cannot be met throws a BackendError that says how
 * to install what is missing. Optional packages are imported lazily and never crash the caller.
 */
export async function selectBackend(
  request?: BackendRequest | string,
  opts: SelectOptions = {},
): Promise<BackendChoice> {
  const env = opts.env ?? process.env;
  let req: string;
  let source: string;
  if (request != null && request !== "") {
    req = request.trim().toLowerCase();
    // "auto" is the default whether or not it was typed, so it needs no attribution.
    source = req === "auto" ? "" : "requested by --backend";
  } else if (env.RESNETC_BACKEND != null && env.RESNETC_BACKEND.trim() !== "") {
    req = env.RESNETC_BACKEND.trim().toLowerCase();
    source = "requested by RESNETC_BACKEND";
  } else {
    req = "auto";
    source = "";
  }
  if (!(BACKEND_REQUESTS as readonly string[]).includes(req)) {
    const from = source === "requested by RESNETC_BACKEND" ? " (from RESNETC_BACKEND)" : "";
    throw new BackendError(
      `unknown backend '${req}'${from}; choose one of ${BACKEND_REQUESTS.join(", ")}`,
      req,
    );
  }

  // Whatever ends up active, training must find these (a later manual switch to wasm included).
  registerWasmTrainingKernels();
  quietCpuBanner();

  if (req === "auto") {
    const passed: string[] = [];
    for (const name of AUTO_ORDER) {
      const p = await probe(name);
      if (p.status !== "available" || p.autoSkip != null) {
        passed.push(p.autoSkip ?? p.summary);
        continue;
      }
      const err = await activate(name);
      if (err != null) {
        passed.push(`${name} failed: ${err}`);
        continue;
      }
      return done(name, p, `auto${source ? `, ${source}` : ""}: ${describePassed(name, passed)}`);
    }
    throw new BackendError(`no backend could be initialised: ${passed.join("; ")}`, "auto");
  }

  const name = req as BackendName;
  const p = await probe(name);
  if (p.status !== "available") {
    throw new BackendError(
      unavailableMessage(p, source.replace("requested by", "(from") + ")"),
      name,
    );
  }
  const err = await activate(name);
  if (err != null) {
    throw new BackendError(`backend '${name}' failed to initialise: ${err}`, name);
  }
  const extra = p.detail && name === "node" ? `; ${p.detail}` : "";
  return done(name, p, `${source}${extra}`);
}

function describePassed(name: BackendName, passed: string[]): string {
  if (passed.length === 0) {
    return name === "gpu" ? "found a CUDA GPU" : `${name} is the first choice available`;
  }
  return passed.join(", ");
}

function done(name: BackendName, p: BackendProbe, why: string): BackendChoice {
  quietCpuBanner();
  const threads = threadsOf(name);
  const tfBackend = tf.getBackend();
  const adapter = p.adapter != null ? `; adapter ${adapterLabel(p.adapter)}` : "";
  return {
    name,
    tfBackend,
    reason: `backend ${name} (${why}${adapter}${threadPhrase(threads)})`,
    ...(threads != null ? { threads } : {}),
  };
}
