// The wasm module of the fused batch norm kernels (batchnorm_act.ts): the loops of simd/bn_loops.ts
// assembled at run time (simd/assembler.ts) and instantiated over the wasm backend's memory, like
// simd_module.ts's, so its pointers are the backend's tensors' memoryOffsets. A module of its own
// (a few hundred bytes) so that these loops and the convolutions' change independently.
// RESNETC_WASM_SIMD=off disables it too.

import { isMainThread } from "node:worker_threads";
import { envVar, warn } from "./process-env.js";
import { assembleModule, validationError, type FuncDef } from "./simd/assembler.js";
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

// The WebAssembly API, typed here: tsconfig's lib (ES2022, no DOM) does not declare it.
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const instances = new WeakMap<object, BnLoops | null>();
let compiled: object | null | undefined;
let failure: string | null = null;

function compiledModule(api: WasmApi): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  const bytes = assembleBnModule();
  if (!api.validate(bytes)) {
    failure = validationError(FUNCS) ?? "resnetc's batch norm module is not valid WebAssembly";
  } else {
    try {
      compiled = new api.Module(bytes);
    } catch (err) {
      failure = `resnetc's batch norm module does not compile: ${(err as Error).message}`;
    }
  }
  if (failure != null && isMainThread) {
    warn(`${failure}; the fused batch norm kernels run in plain JS`, "RESNETC_WASM_SIMD");
  }
  return compiled;
}

/**
 * The batch norm loops bound to this backend's heap, or null when they cannot be had (disabled
 * by RESNETC_WASM_SIMD=off, no WebAssembly.Memory exposed, or no wasm SIMD here).
 */
export function bnLoops(wasm: WasmModuleLike): BnLoops | null {
  if (envVar(SIMD_ENV) === "off" || WA == null) return null;
  const memory = (wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof WA.Memory)) return null; // internals.ts reports this one
  if (instances.has(memory)) return instances.get(memory)!;
  let loops: BnLoops | null = null;
  const module = compiledModule(WA);
  if (module != null) {
    try {
      loops = new WA.Instance(module, { env: { memory } }).exports as unknown as BnLoops;
    } catch (err) {
      failure = `resnetc's batch norm module does not instantiate: ${(err as Error).message}`;
    }
  }
  instances.set(memory, loops);
  return loops;
}

/** Why the batch norm loops did not load, when they did not, else null. */
export function bnModuleFailure(): string | null {
  return failure;
}
