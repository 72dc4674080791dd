// The convolutions' second SIMD module, beside simd_module.ts's (whose bytes stay as measured):
// the epilogue variants of the direct loops and of Winograd's output transform (bias, residual,
// ReLU applied as the output is stored), Winograd's filter transforms, and, where the engine has relaxed SIMD, fused
// multiply-add (f32x4.relaxed_madd, vfmadd on x64 with FMA3) variants of every multiply-accumulate
// loop: the direct convolution rows (also Winograd's multiply stage) and the filter gradient's taps.
//
// convLoops() gives the kernels one object with simd_module.ts's loops under their own names,
// the FMA variants in place of the mul+add ones when FMA is on (`fma` says which), plus the
// epilogue loops. RESNETC_WASM_FMA=off keeps the mul+add loops (read at every call, so a spec can
// run both). Node 20's V8 needs --experimental-wasm-relaxed-simd, set here at run time before the
// module is compiled (V8's flags are per process: worker threads see it too); Node 22+ and
// browsers have relaxed SIMD on (the page, which has no node:v8, only validates).

import { createRequire } from "node:module";
import { backendMemory, HeapModule, WA } from "./heap_module.js";
import { envVar } from "./process-env.js";
import { assembleModule, DROP, F32X4_RELAXED_MADD, type FuncDef } from "./simd/assembler.js";
import {
  convRows,
  filterTap,
  EPILOGUE_BIAS,
  EPILOGUE_RELU,
  EPILOGUE_RESIDUAL,
} from "./simd/conv_loops.js";
import { winoFilter, winoFilterGrad } from "./simd/winograd_filter_loops.js";
import { winoOutE } from "./simd/winograd_loops.js";
import { simdLoops, type ConvRows, type FilterTap, type SimdLoops } from "./simd_module.js";
import type { WasmModuleLike } from "./wasm_heap.js";

/** RESNETC_WASM_FMA=off: the convolutions use the mul+add loops even where FMA is available. */
export const FMA_ENV = "RESNETC_WASM_FMA";

/** convRows with the epilogue: the 15 parameters, then bias, resDelta, flags. */
export type ConvRowsE = (
  ...args: [...Parameters<ConvRows>, bias: number, resDelta: number, flags: number]
) => void;

/** winoOut's 8 parameters, then bias, resDelta, flags (winoOutE, simd/winograd_loops.ts). */
export type WinoOutE = (
  ...args: [...Parameters<SimdLoops["winoOut"]>, bias: number, resDelta: number, flags: number]
) => void;

/** The loops the convolution kernels run: SimdLoops (FMA variants when `fma`) and epilogues. */
export interface ConvLoops extends SimdLoops {
  /** Whether the multiply-accumulate loops are the fused (relaxed_madd) ones. */
  fma: boolean;
  convRowsE2x16: ConvRowsE;
  convRowsE1x16: ConvRowsE;
  convRowsE2x4: ConvRowsE;
  convRowsE1x4: ConvRowsE;
  winoOutE: WinoOutE;
  /** See simd/winograd_filter_loops.ts. */
  winoFilter(w: number, tapStride: number, n4: number, u: number, planeBytes: number): void;
  winoFilterGrad(du: number, planeBytes: number, n4: number, dw: number, tapBytes: number): void;
}

const ROWS: [string, number, number][] = [
  ["2x16", 2, 4],
  ["1x16", 1, 4],
  ["2x4", 2, 1],
  ["1x4", 1, 1],
];
const TAPS: [string, number, number][] = [
  ["4x8", 4, 2],
  ["2x16", 2, 4],
  ["1x8", 1, 2],
  ["4x4", 4, 1],
  ["1x4", 1, 1],
];

/** The module's functions: epilogues (mul+add), and with `fma` the fused variants ("...Fma"). */
export function convModuleFuncs(fma: boolean): FuncDef[] {
  const funcs: FuncDef[] = ROWS.map(([n, P, v]) =>
    convRows(`convRowsE${n}`, P, v, { epilogue: true }),
  );
  funcs.push(winoOutE, winoFilter, winoFilterGrad);
  if (!fma) return funcs;
  for (const [n, P, v] of ROWS) {
    funcs.push(convRows(`convRows${n}Fma`, P, v, { fma: true }));
    funcs.push(convRows(`convRowsE${n}Fma`, P, v, { fma: true, epilogue: true }));
  }
  for (const [n, c, v] of TAPS) funcs.push(filterTap(`filterTap${n}Fma`, c, v, true));
  return funcs;
}

/** Under Node, V8's flag for relaxed SIMD (needed on Node 20; on by default from Node 22). */
function enableRelaxedSimdFlag(): void {
  if (typeof process === "undefined" || process.versions?.node == null) return;
  try {
    const v8 = createRequire(import.meta.url)("node:v8") as {
      setFlagsFromString(flags: string): void;
    };
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    // not Node after all (the page's shim): validation below decides
  }
}

let fmaSupport: boolean | undefined;

/** Whether this engine has relaxed SIMD's f32x4.relaxed_madd (enabling it first under Node). */
export function wasmFmaSupported(): boolean {
  if (fmaSupport !== undefined) return fmaSupport;
  const probe: FuncDef = {
    name: "madd",
    params: 0,
    build: (b) => b.v128Zero().v128Zero().v128Zero().simd(F32X4_RELAXED_MADD).op(DROP),
  };
  const valid = () => WA != null && WA.validate(assembleModule([probe]));
  // The flag only where relaxed SIMD is off (Node 20): later V8s may not know it, and warn.
  fmaSupport = valid();
  if (!fmaSupport) {
    enableRelaxedSimdFlag();
    fmaSupport = valid();
  }
  return fmaSupport;
}

const convModule = new HeapModule<Record<string, unknown>>({
  name: "convolution module",
  funcs: () => convModuleFuncs(wasmFmaSupported()),
  fallback: "the convolutions fall back to XNNPACK",
});

interface Bound {
  plain: ConvLoops;
  fma: ConvLoops | null;
}
const bound = new WeakMap<SimdLoops, Bound | null>();

function bind(base: SimdLoops, exports: Record<string, unknown>): Bound {
  const plain = { ...base, ...exports, fma: false } as unknown as ConvLoops;
  if (exports.convRows2x16Fma == null) return { plain, fma: null };
  const fused: Record<string, unknown> = { ...plain, fma: true };
  for (const [n] of ROWS) {
    fused[`convRows${n}`] = exports[`convRows${n}Fma`];
    fused[`convRowsE${n}`] = exports[`convRowsE${n}Fma`];
  }
  for (const [n] of TAPS) fused[`filterTap${n}`] = exports[`filterTap${n}Fma`];
  return { plain, fma: fused as unknown as ConvLoops };
}

/**
 * The convolutions' loops on this backend's heap (FMA unless RESNETC_WASM_FMA=off or the engine
 * lacks relaxed SIMD), or null when resnetc's SIMD loops cannot run (see simdLoops).
 */
export function convLoops(wasm: WasmModuleLike): ConvLoops | null {
  const base = simdLoops(wasm);
  if (base == null) return null;
  let b = bound.get(base);
  if (b === undefined) {
    const memory = backendMemory(wasm);
    const exports = memory === null ? null : convModule.on(memory);
    b = exports === null ? null : bind(base, exports);
    bound.set(base, b);
  }
  if (b == null) return null;
  return b.fma != null && envVar(FMA_ENV) !== "off" ? b.fma : b.plain;
}

/**
 * Whether the convolutions run fused multiply-adds: true, false (RESNETC_WASM_FMA=off, or no
 * relaxed SIMD in this engine), or null when resnetc's SIMD loops do not run at all.
 */
export function wasmFmaState(wasm: WasmModuleLike | null): {
  on: boolean | null;
  why: string | null;
} {
  const loops = wasm != null ? convLoops(wasm) : null;
  if (loops == null) return { on: null, why: convModule.failure };
  if (loops.fma) return { on: true, why: null };
  if (!wasmFmaSupported()) return { on: false, why: "this engine has no relaxed SIMD" };
  return { on: false, why: `disabled by ${FMA_ENV}=off` };
}

/** The route name with "+fma" when the loops are the fused ones (route_trace.ts). */
export function fmaRoute(route: string, loops: ConvLoops): string {
  return loops.fma ? `${route}+fma` : route;
}

/**
 * What a forward convolution does as it stores each output value: + bias[o] (bias: the byte
 * address of a [Co] float32 vector), + the residual (its byte address, laid out as the output),
 * then ReLU. Nulls and false: nothing.
 */
export interface Epilogue {
  bias: number | null;
  residual: number | null;
  relu: boolean;
}

/** The epilogue's flags for convRowsE / winoOutE (simd/conv_loops.ts); 0 when there is none. */
export function epilogueFlags(e: Epilogue | undefined): number {
  if (e == null) return 0;
  return (
    (e.bias != null ? EPILOGUE_BIAS : 0) |
    (e.residual != null ? EPILOGUE_RESIDUAL : 0) |
    (e.relu ? EPILOGUE_RELU : 0)
  );
}

/**
 * A convolution's route name: the route, "+fma" with the fused loops, then what the epilogue
 * applies ("+bias", "+residual", "+relu"), e.g. "winograd+fma+bias+relu".
 */
export function convRoute(route: string, loops: ConvLoops, e?: Epilogue): string {
  const parts = [fmaRoute(route, loops)];
  if (e?.bias != null) parts.push("bias");
  if (e?.residual != null) parts.push("residual");
  if (e?.relu) parts.push("relu");
  return parts.join("+");
}
