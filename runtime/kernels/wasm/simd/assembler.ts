// A tiny WebAssembly binary assembler, enough for resnetc's SIMD loops (simd_module.ts): LEB128
// encoders, a function-body builder (Body) with a few structured-control helpers, the f32x4
// opcodes the loops use, and the module bytes for a list of functions (FuncDef) with their memory
// imported as env.memory, without a maximum (so when tfjs grows the heap the functions see the
// new size). No toolchain: the bytes are written here.

export const I32 = 0x7f;
export const V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

// The opcodes the loops use, by their names in the WebAssembly text format (core and SIMD
// proposals). OPCODE_NAMES (below) turns them back into names for validation errors.
export const NOP = 0x01;
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const IF = 0x04;
export const ELSE = 0x05;
export const END = 0x0b;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const DROP = 0x1a;
export const SELECT = 0x1b;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_LOAD = 0x28;
export const I32_CONST = 0x41;
export const I32_EQ = 0x46;
export const I32_GT_U = 0x4b;
export const I32_GE_U = 0x4f;
export const I32_ADD = 0x6a;
export const I32_MUL = 0x6c;
export const I32_AND = 0x71;
/** The prefix of the SIMD opcodes; each is followed by its number as a LEB128. */
export const SIMD_PREFIX = 0xfd;
export const V128_LOAD = 0x00;
export const V128_LOAD32_SPLAT = 0x09;
export const V128_STORE = 0x0b;
export const V128_CONST = 0x0c;
export const F32X4_GT = 0x44; // batch norm's ReLU and its gradient's mask (bn_loops.ts)
export const V128_AND = 0x4e;
export const F32X4_NEG = 0xe1;
export const F32X4_ADD = 0xe4;
export const F32X4_SUB = 0xe5;
export const F32X4_MUL = 0xe6;
export const F32X4_DIV = 0xe7;
export const F32X4_MAX = 0xe9;
/** Relaxed SIMD: a * b + c, fused (one rounding) where the CPU has FMA. */
export const F32X4_RELAXED_MADD = 0x105;
/** A block type: the block leaves nothing on the stack. */
const EMPTY_BLOCK = 0x40;

/** Core opcode -> name. */
export const OPCODE_NAMES: Record<number, string> = {
  [NOP]: "nop",
  [BLOCK]: "block",
  [LOOP]: "loop",
  [IF]: "if",
  [ELSE]: "else",
  [END]: "end",
  [BR]: "br",
  [BR_IF]: "br_if",
  [DROP]: "drop",
  [SELECT]: "select",
  [LOCAL_GET]: "local.get",
  [LOCAL_SET]: "local.set",
  [I32_LOAD]: "i32.load",
  [I32_CONST]: "i32.const",
  [I32_EQ]: "i32.eq",
  [I32_GT_U]: "i32.gt_u",
  [I32_GE_U]: "i32.ge_u",
  [I32_ADD]: "i32.add",
  [I32_MUL]: "i32.mul",
  [I32_AND]: "i32.and",
};

/** SIMD opcode (after the 0xfd prefix) -> name. */
export const SIMD_OPCODE_NAMES: Record<number, string> = {
  [V128_LOAD]: "v128.load",
  [V128_LOAD32_SPLAT]: "v128.load32_splat",
  [V128_STORE]: "v128.store",
  [V128_CONST]: "v128.const",
  [F32X4_GT]: "f32x4.gt",
  [V128_AND]: "v128.and",
  [F32X4_NEG]: "f32x4.neg",
  [F32X4_ADD]: "f32x4.add",
  [F32X4_SUB]: "f32x4.sub",
  [F32X4_MUL]: "f32x4.mul",
  [F32X4_DIV]: "f32x4.div",
  [F32X4_MAX]: "f32x4.max",
  [F32X4_RELAXED_MADD]: "f32x4.relaxed_madd",
};

/** Emits one function body; locals are numbered after the parameters. */
export class Body {
  readonly code: number[] = [];
  readonly locals: number[] = [];
  constructor(readonly nParams: number) {}
  local(type: number): number {
    this.locals.push(type);
    return this.nParams + this.locals.length - 1;
  }
  get(i: number): this {
    this.code.push(LOCAL_GET, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.code.push(LOCAL_SET, ...uleb(i));
    return this;
  }
  i32(n: number): this {
    this.code.push(I32_CONST, ...sleb(n | 0));
    return this;
  }
  /** Core opcodes (and their immediates), e.g. op(I32_ADD). */
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  simd(opcode: number, ...imm: number[]): this {
    this.code.push(SIMD_PREFIX, ...uleb(opcode), ...imm);
    return this;
  }
  /**
   * An f32x4 arithmetic opcode (F32X4_ADD, ...) followed by a nop: the loops were first written
   * with a stray 0x01 after these opcodes, which WebAssembly reads as a nop; it is kept so that
   * the module's bytes (and its sha256) stay the ones measured.
   */
  f32x4(opcode: number): this {
    return this.simd(opcode).op(NOP);
  }
  /** v128.const 0. */
  v128Zero(): this {
    return this.simd(V128_CONST, ...new Array<number>(16).fill(0));
  }
  /** i32.load (4-byte aligned) at the address on the stack plus `offset` bytes. */
  loadI32(offset = 0): this {
    return this.op(I32_LOAD, 2, ...uleb(offset));
  }
  /** v128.load32_splat (4-byte aligned) at the address on the stack plus `offset` bytes. */
  load32Splat(offset = 0): this {
    return this.simd(V128_LOAD32_SPLAT, 2, ...uleb(offset));
  }
  /** v128.load at the address on the stack plus `offset` bytes. */
  load(offset = 0): this {
    return this.simd(V128_LOAD, 0, ...uleb(offset));
  }
  /** v128.store (address, value on the stack) at address plus `offset` bytes. */
  store(offset = 0): this {
    return this.simd(V128_STORE, 0, ...uleb(offset));
  }
  /** i = i + step (i32 local, step a constant or a local via `stepLocal`). */
  addTo(i: number, step: number, stepIsLocal = false): this {
    this.get(i);
    if (stepIsLocal) this.get(step);
    else this.i32(step);
    return this.op(I32_ADD).set(i);
  }
  /** if (condition on the stack) { then } else { otherwise } */
  ifElse(then: () => void, otherwise: () => void): this {
    this.op(IF, EMPTY_BLOCK);
    then();
    this.op(ELSE);
    otherwise();
    return this.op(END);
  }
  /** if (condition on the stack) { then } */
  ifThen(then: () => void): this {
    this.op(IF, EMPTY_BLOCK);
    then();
    return this.op(END);
  }
  /** while (i <u end) { body; } — the body must advance i. */
  whileLess(i: number, end: number, body: () => void): this {
    this.op(BLOCK, EMPTY_BLOCK, LOOP, EMPTY_BLOCK);
    this.get(i).get(end).op(I32_GE_U, BR_IF, 1); // out of the block
    body();
    this.op(BR, 0, END, END); // back to the loop; end loop, end block
    return this;
  }
}

/** One exported function: its name, its number of i32 parameters, and its body's builder. */
export interface FuncDef {
  name: string;
  params: number;
  build: (b: Body) => void;
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", 1
const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_FUNCTION = 3;
const SECTION_EXPORT = 7;
const SECTION_CODE = 10;
const FUNC_TYPE = 0x60;
const IMPORT_MEMORY = 0x02;
const EXPORT_FUNC = 0x00;

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** Where each function's body (its locals and code) lies in the module's bytes. */
export interface BodyLayout {
  name: string;
  start: number;
  end: number;
}

/**
 * The bytes of a module that exports `funcs` (in this order, under their names): one function
 * type per arity, memory imported as env.memory; and where each function's body lies.
 */
export function assembleModuleWithLayout(funcs: FuncDef[]): {
  bytes: Uint8Array;
  layout: BodyLayout[];
} {
  const arities = [...new Set(funcs.map((f) => f.params))];
  const types = arities.map((n) => [FUNC_TYPE, ...vec(new Array(n).fill([I32])), 0]);
  // memory, min 0, no max
  const imports = [[...name("env"), ...name("memory"), IMPORT_MEMORY, 0x00, 0x00]];
  const funcIndices = funcs.map((f) => uleb(arities.indexOf(f.params)));
  const exports = funcs.map((f, i) => [...name(f.name), EXPORT_FUNC, ...uleb(i)]);
  const bodies = funcs.map((f) => {
    const b = new Body(f.params);
    f.build(b);
    const locals = vec(b.locals.map((t) => [1, t]));
    return [...locals, ...b.code, END];
  });
  const head = [
    ...MAGIC_AND_VERSION,
    ...section(SECTION_TYPE, vec(types)),
    ...section(SECTION_IMPORT, vec(imports)),
    ...section(SECTION_FUNCTION, vec(funcIndices)),
    ...section(SECTION_EXPORT, vec(exports)),
  ];
  const code = vec(bodies.map((body) => [...uleb(body.length), ...body]));
  // The code section: id, size, count, then each body after its size.
  let at = head.length + 1 + uleb(code.length).length + uleb(bodies.length).length;
  const layout = bodies.map((body, i) => {
    const start = at + uleb(body.length).length;
    at = start + body.length;
    return { name: funcs[i].name, start, end: at };
  });
  return { bytes: new Uint8Array([...head, ...section(SECTION_CODE, code)]), layout };
}

/** The bytes of a module that exports `funcs` (see assembleModuleWithLayout). */
export function assembleModule(funcs: FuncDef[]): Uint8Array {
  return assembleModuleWithLayout(funcs).bytes;
}

/** The name of the instruction whose opcode starts at bytes[at]. */
export function opcodeNameAt(bytes: Uint8Array, at: number): string {
  const hex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;
  if (bytes[at] !== SIMD_PREFIX) return OPCODE_NAMES[bytes[at]] ?? `opcode ${hex(bytes[at])}`;
  let n = 0;
  for (let i = at + 1, shift = 0; i < bytes.length; i++, shift += 7) {
    n |= (bytes[i] & 0x7f) << shift;
    if ((bytes[i] & 0x80) === 0) break;
  }
  return SIMD_OPCODE_NAMES[n] ?? `SIMD opcode ${hex(n)}`;
}

/**
 * Why the module of `funcs` fails WebAssembly validation, naming the function, the instruction
 * and its offset in the function's body, with the engine's own message; null when it is valid.
 */
export function validationError(funcs: FuncDef[]): string | null {
  const { bytes, layout } = assembleModuleWithLayout(funcs);
  const WA = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object } })
    .WebAssembly;
  try {
    new WA.Module(bytes);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /@\+(\d+)/.exec(message);
    const at = m != null ? Number(m[1]) : -1;
    const f = layout.find((l) => at >= l.start && at < l.end);
    if (f == null) return `resnetc's SIMD module is not valid WebAssembly: ${message}`;
    return (
      `resnetc's SIMD module is not valid WebAssembly: function '${f.name}' ` +
      `(#${layout.indexOf(f)}), ${opcodeNameAt(bytes, at)} at byte ${at - f.start} of its ` +
      `body: ${message}`
    );
  }
}
