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
    this.code.push(0x20, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.code.push(0x21, ...uleb(i));
    return this;
  }
  i32(n: number): this {
    this.code.push(0x41, ...sleb(n | 0));
    return this;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  simd(opcode: number, ...imm: number[]): this {
    this.code.push(0xfd, ...uleb(opcode), ...imm);
    return this;
  }
  /** v128.load at the address on the stack plus `offset` bytes. */
  load(offset = 0): this {
    return this.simd(0x00, 0, ...uleb(offset));
  }
  /** v128.store (address, value on the stack) at address plus `offset` bytes. */
  store(offset = 0): this {
    return this.simd(0x0b, 0, ...uleb(offset));
  }
  /** i = i + step (i32 local, step a constant or a local via `stepLocal`). */
  addTo(i: number, step: number, stepIsLocal = false): this {
    this.get(i);
    if (stepIsLocal) this.get(step);
    else this.i32(step);
    return this.op(0x6a).set(i);
  }
  /** if (condition on the stack) { then } else { otherwise } */
  ifElse(then: () => void, otherwise: () => void): this {
    this.op(0x04, 0x40);
    then();
    this.op(0x05);
    otherwise();
    return this.op(0x0b);
  }
  /** while (i <u end) { body; } — the body must advance i. */
  whileLess(i: number, end: number, body: () => void): this {
    this.op(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(i).get(end).op(0x4f, 0x0d, 1); // i32.ge_u, br_if 1 (out of the block)
    body();
    this.op(0x0c, 0, 0x0b, 0x0b); // br 0 (loop), end loop, end block
    return this;
  }
}

export const F32X4_ADD = 0xe4;
export const F32X4_SUB = 0xe5;
export const F32X4_MUL = 0xe6;
export const F32X4_DIV = 0xe7;

/** One exported function: its name, its number of i32 parameters, and its body's builder. */
export interface FuncDef {
  name: string;
  params: number;
  build: (b: Body) => void;
}

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

/**
 * The bytes of a module that exports `funcs` (in this order, under their names): one function
 * type per arity, memory imported as env.memory.
 */
export function assembleModule(funcs: FuncDef[]): Uint8Array {
  const arities = [...new Set(funcs.map((f) => f.params))];
  const types = arities.map((n) => [0x60, ...vec(new Array(n).fill([I32])), 0]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]]; // memory, min 0, no max
  const funcIndices = funcs.map((f) => uleb(arities.indexOf(f.params)));
  const exports = funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const bodies = funcs.map((f) => {
    const b = new Body(f.params);
    f.build(b);
    const locals = vec(b.locals.map((t) => [1, t]));
    const body = [...locals, ...b.code, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcIndices)),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
