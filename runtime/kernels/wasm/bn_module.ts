// The wasm module of the fused batch norm kernels (batchnorm_act.ts): the loops of simd/bn_loops.ts
// assembled at run time (simd/assembler.ts) and instantiated over the wasm backend's memory, like
// simd_module.ts's, so its pointers are the backend's tensors' memoryOffsets. A module of its own
// (a few hundred bytes) so that these loops and the convolutions' change independently.
// RESNETC_WASM_SIMD=off disables it too.

import { backendMemory, HeapModule } from "./heap_module.js";
import { envVar } from "./process-env.js";
import { assembleModule, type FuncDef } from "./simd/assembler.js";
import { bnApply, bnGradDx, bnGradSums, bnStats } from "./simd/bn_loops.js";
import { SIMD_ENV } from "./simd_module.js";
import type { WasmModuleLike } from "./wasm_heap.js";

const FUNCS: FuncDef[] = [
  bnStats,
  bnApply("bnApply", false, false),
  bnApply("bnApplyRelu", false, true),
  bnApply("bnApplyRes", true, false),
  bnApply("bnApplyResRelu", true, true),
  bnGradSums("bnGradSums", false),
  bnGradSums("bnGradSumsRelu", true),
  bnGradDx("bnGradDx", false, false),
  bnGradDx("bnGradDxRelu", false, true),
  bnGradDx("bnGradDxRes", true, false),
  bnGradDx("bnGradDxResRelu", true, true),
];

/** The module's bytes: the FUNCS in this order, memory imported as env.memory. */
export function assembleBnModule(): Uint8Array {
  return assembleModule(FUNCS);
}

type Apply = (x: number, rows: number, rowBytes: number, params: number, out: number) => void;
type ApplyRes = (
  x: number,
  rows: number,
  rowBytes: number,
  params: number,
  out: number,
  residual: number,
) => void;
type GradSums = (
  dy: number,
  x: number,
  y: number,
  rows: number,
  rowBytes: number,
  blockRows: number,
  mean: number,
  dst: number,
) => void;
type GradDx = (
  dy: number,
  x: number,
  y: number,
  rows: number,
  rowBytes: number,
  params: number,
  dx: number,
) => void;
type GradDxRes = (
  dy: number,
  x: number,
  y: number,
  rows: number,
  rowBytes: number,
  params: number,
  dx: number,
  dres: number,
) => void;

/** The exported loops (simd/bn_loops.ts); every pointer is a byte offset in the backend's heap. */
export interface BnLoops {
  bnStats(
    x: number,
    rows: number,
    rowBytes: number,
    blockRows: number,
    shift: number,
    dst: number,
  ): void;
  bnApply: Apply;
  bnApplyRelu: Apply;
  bnApplyRes: ApplyRes;
  bnApplyResRelu: ApplyRes;
  bnGradSums: GradSums;
  bnGradSumsRelu: GradSums;
  bnGradDx: GradDx;
  bnGradDxRelu: GradDx;
  bnGradDxRes: GradDxRes;
  bnGradDxResRelu: GradDxRes;
}

const bnModule = new HeapModule<BnLoops>({
  name: "batch norm module",
  funcs: () => FUNCS,
  fallback: "the fused batch norm kernels run in plain JS",
});

/**
 * The batch norm loops bound to this backend's heap, or null when they cannot be had (disabled
 * by RESNETC_WASM_SIMD=off, no WebAssembly.Memory exposed, or no wasm SIMD here).
 */
export function bnLoops(wasm: WasmModuleLike): BnLoops | null {
  if (envVar(SIMD_ENV) === "off") return null;
  const memory = backendMemory(wasm);
  return memory === null ? null : bnModule.on(memory); // internals.ts reports a missing memory
}

/** Why the batch norm loops did not load, when they did not, else null. */
export function bnModuleFailure(): string | null {
  return bnModule.failure;
}
