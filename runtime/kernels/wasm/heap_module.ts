// What resnetc's run-time-assembled wasm modules share (the SIMD loops, the convolutions', batch
// norm's, the optimizer's): the WebAssembly API typed (tsconfig's lib has no DOM), one
// compilation per process with one warning on the main thread when it fails, and one instance per
// heap over the wasm backend's own memory, so that their pointers are its tensors' byte offsets.
import { isMainThread } from "node:worker_threads";
import { warn } from "./process-env.js";
import { assembleModule, validationError, type FuncDef } from "./simd/assembler.js";
import type { WasmModuleLike } from "./wasm_heap.js";

interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}

/** This runtime's WebAssembly, or undefined. */
export const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The backend's WebAssembly.Memory, or null when its build does not expose one. */
export function backendMemory(wasm: WasmModuleLike): object | null {
  const memory = (wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return WA != null && memory instanceof WA.Memory ? memory : null;
}

export interface HeapModuleSpec {
  /** In messages: "SIMD module", "batch norm module", ... */
  name: string;
  /** The functions, in export order (called once, when first needed). */
  funcs: () => FuncDef[];
  /** What runs instead, for the one warning; null: say nothing (another module warns). */
  fallback: string | null;
}

/** One assembled module: compiled once, instantiated once per backend memory. */
export class HeapModule<Exports> {
  private compiled: object | null | undefined;
  private readonly instances = new WeakMap<object, Exports | null>();
  /** Why the module is not available, when it is not. */
  failure: string | null = null;

  constructor(private readonly spec: HeapModuleSpec) {}

  /** The exports bound to `memory`, or null (and `failure` set). */
  on(memory: object): Exports | null {
    if (this.instances.has(memory)) return this.instances.get(memory)!;
    const module = this.module();
    let exports: Exports | null = null;
    if (module != null) {
      try {
        exports = new WA!.Instance(module, { env: { memory } }).exports as Exports;
      } catch (err) {
        this.failure = `resnetc's ${this.spec.name} does not instantiate: ${(err as Error).message}`;
      }
    }
    this.instances.set(memory, exports);
    return exports;
  }

  private module(): object | null {
    if (this.compiled !== undefined) return this.compiled;
    this.compiled = null;
    if (WA == null) {
      this.failure = "this runtime has no WebAssembly";
      return null;
    }
    const funcs = this.spec.funcs();
    const bytes = assembleModule(funcs);
    if (!WA.validate(bytes)) {
      this.failure =
        validationError(funcs) ?? `resnetc's ${this.spec.name} is not valid WebAssembly`;
    } else {
      try {
        this.compiled = new WA.Module(bytes);
      } catch (err) {
        this.failure = `resnetc's ${this.spec.name} does not compile: ${(err as Error).message}`;
      }
    }
    if (this.failure != null && this.spec.fallback != null && isMainThread) {
      warn(`${this.failure}; ${this.spec.fallback}`, "RESNETC_WASM_SIMD");
    }
    return this.compiled;
  }
}
