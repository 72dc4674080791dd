// The pass list. Shape inference (infer-shapes.ts) builds the IR from a checked model; the passes
// here rewrite it, in order, each a small module with its own spec (MLIR/TVM style). The driver can
// run the verifier after every pass; the specs always do.
import { assertValid } from "../ir/verify.js";
import type { IrGraph } from "../ir/types.js";
import { foldBatchNorm } from "./fold-batchnorm.js";
import { fuseBatchNormAct } from "./fuse-batchnorm-act.js";
import { fuseConvEpilogue } from "./fuse-conv-epilogue.js";

export interface Pass {
  name: string;
  /** What the pass is for, in one line (docs/architecture.md lists them). */
  summary: string;
  /** Returns a new graph; never edits `g`. */
  run(g: IrGraph): IrGraph;
}

/**
 * Passes for the graph the tfjs executor trains (the layers model, which saves and loads, is built
 * from the unfused graph and shares its variables).
 */
export const TRAINING_PASSES: Pass[] = [fuseBatchNormAct];

/** Passes for a graph that only runs inference with bound weights. */
export const INFERENCE_PASSES: Pass[] = [foldBatchNorm, fuseConvEpilogue];

export interface RunOptions {
  /** Run the IR verifier after every pass (on in the specs; cheap enough to leave on). */
  verify?: boolean;
}

export function runPasses(g: IrGraph, passes: readonly Pass[], opts: RunOptions = {}): IrGraph {
  let cur = g;
  if (opts.verify) assertValid(cur, "shape inference");
  for (const p of passes) {
    cur = p.run(cur);
    if (opts.verify) assertValid(cur, `pass ${p.name}`);
  }
  return cur;
}
