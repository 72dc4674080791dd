// A restricted unpickler: it reads the pickle opcodes a PyTorch state dict uses (protocol 2, and the
// framing and short strings of protocols 3 and 4) and nothing else. It never evaluates anything: a
// global is looked up in a table the caller gives (`globals`), and a global outside that table, an
// object-creating opcode (INST, OBJ, NEWOBJ), an extension code or an unknown opcode stops the reading
// with an error that names it. Python values become: str -> string, int -> number (bigint past 2^53),
// float -> number, bool, None -> null, list -> array, tuple -> PyTuple, dict -> Map.

/** A Python tuple (distinct from a list, which becomes a plain array). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** The callable a table entry stands for: called by REDUCE with the argument tuple's items. */
export type PyCallable = (args: unknown[]) => unknown;

export interface UnpickleOptions {
  /** `module.name` -> what it stands for; any other global is refused. */
  globals: ReadonlyMap<string, PyCallable | object>;
  /** BINPERSID's resolver (PyTorch's storages). */
  persistentLoad?: (pid: unknown) => unknown;
  /** BUILD: set the state of an object made by an allowed global; refused when absent or false. */
  build?: (obj: unknown, state: unknown) => boolean;
}

/** Why a pickle was refused or could not be read; `refused` names the global or opcode refused. */
export class UnpickleError extends Error {
  constructor(
    message: string,
    readonly refused: string | null = null,
  ) {
    super(message);
    this.name = "UnpickleError";
  }
}

const MARK = Symbol("mark");

export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): unknown {
  return new Reader(bytes, opts).run();
}

class Reader {
  private pos = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();
  private view: DataView;

  constructor(
    private bytes: Uint8Array,
    private opts: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): unknown {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      if (op === 0x2e /* . STOP */) return this.pop();
      if (!this.step(op)) {
        const name = REFUSED[op];
        throw new UnpickleError(
          name
            ? `opcode ${name} at byte ${at}, which a state dict never uses`
            : `unknown opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}`,
          name ?? `0x${op.toString(16)}`,
        );
      }
    }
  }

  /** Executes one opcode; false when it is not one of those allowed. */
  private step(op: number): boolean {
    switch (op) {
      case 0x80 /* PROTO */:
        this.u8();
        return true;
      case 0x95 /* FRAME */:
        this.take(8);
        return true;
      case 0x28 /* ( MARK */:
        this.marks.push(this.stack.length);
        this.stack.push(MARK);
        return true;
      case 0x30 /* 0 POP */:
        this.pop();
        return true;
      case 0x31 /* 1 POP_MARK */:
        this.popMark();
        return true;
      case 0x32 /* 2 DUP */:
        this.stack.push(this.top());
        return true;
      case 0x4e /* N NONE */:
        this.stack.push(null);
        return true;
      case 0x88 /* NEWTRUE */:
      case 0x89 /* NEWFALSE */:
        this.stack.push(op === 0x88);
        return true;
      case 0x4a /* J BININT */:
        this.stack.push(this.view.getInt32(this.skip(4), true));
        return true;
      case 0x4b /* K BININT1 */:
        this.stack.push(this.u8());
        return true;
      case 0x4d /* M BININT2 */:
        this.stack.push(this.view.getUint16(this.skip(2), true));
        return true;
      case 0x8a /* LONG1 */:
        this.stack.push(long(this.take(this.u8())));
        return true;
      case 0x47 /* G BINFLOAT */:
        this.stack.push(this.view.getFloat64(this.skip(8), false));
        return true;
      case 0x58 /* X BINUNICODE */:
        this.stack.push(this.text(this.view.getUint32(this.skip(4), true)));
        return true;
      case 0x8c /* SHORT_BINUNICODE */:
        this.stack.push(this.text(this.u8()));
        return true;
      case 0x29 /* ) EMPTY_TUPLE */:
        this.stack.push(new PyTuple([]));
        return true;
      case 0x74 /* t TUPLE */:
        this.stack.push(new PyTuple(this.popMark()));
        return true;
      case 0x85 /* TUPLE1 */:
      case 0x86 /* TUPLE2 */:
      case 0x87 /* TUPLE3 */:
        this.stack.push(new PyTuple(this.popN(op - 0x84)));
        return true;
      case 0x5d /* ] EMPTY_LIST */:
        this.stack.push([]);
        return true;
      case 0x6c /* l LIST */:
        this.stack.push(this.popMark());
        return true;
      case 0x61 /* a APPEND */:
        this.list().push(this.pop());
        return true;
      case 0x65 /* e APPENDS */: {
        const items = this.popMark();
        this.list().push(...items);
        return true;
      }
      case 0x7d /* } EMPTY_DICT */:
        this.stack.push(new Map());
        return true;
      case 0x64 /* d DICT */:
        this.stack.push(pairs(new Map(), this.popMark()));
        return true;
      case 0x73 /* s SETITEM */: {
        const [k, v] = this.popN(2);
        pairs(this.dict(), [k, v]);
        return true;
      }
      case 0x75 /* u SETITEMS */: {
        const items = this.popMark();
        pairs(this.dict(), items);
        return true;
      }
      case 0x68 /* h BINGET */:
        this.stack.push(this.get(this.u8()));
        return true;
      case 0x6a /* j LONG_BINGET */:
        this.stack.push(this.get(this.view.getUint32(this.skip(4), true)));
        return true;
      case 0x71 /* q BINPUT */:
        this.memo.set(this.u8(), this.top());
        return true;
      case 0x72 /* r LONG_BINPUT */:
        this.memo.set(this.view.getUint32(this.skip(4), true), this.top());
        return true;
      case 0x94 /* MEMOIZE */:
        this.memo.set(this.memo.size, this.top());
        return true;
      case 0x63 /* c GLOBAL */:
        this.stack.push(this.global(this.line(), this.line()));
        return true;
      case 0x93 /* STACK_GLOBAL */: {
        const [m, n] = this.popN(2);
        if (typeof m !== "string" || typeof n !== "string") throw this.bad("STACK_GLOBAL");
        this.stack.push(this.global(m, n));
        return true;
      }
      case 0x52 /* R REDUCE */:
        this.reduce();
        return true;
      case 0x62 /* b BUILD */: {
        const state = this.pop();
        if (!this.opts.build?.(this.top(), state)) {
          throw new UnpickleError(
            "a BUILD call (setting an object's state) on something other than an ordered dict",
            "BUILD",
          );
        }
        return true;
      }
      case 0x51 /* Q BINPERSID */: {
        const pid = this.pop();
        if (!this.opts.persistentLoad) throw new UnpickleError("a persistent id", "BINPERSID");
        this.stack.push(this.opts.persistentLoad(pid));
        return true;
      }
      default:
        return false;
    }
  }

  private global(module: string, name: string): unknown {
    const key = `${module}.${name}`;
    const v = this.opts.globals.get(key);
    if (v === undefined) {
      throw new UnpickleError(
        `a reference to the Python global ${key}, which a state dict never contains`,
        key,
      );
    }
    return v;
  }

  private reduce(): void {
    const args = this.pop();
    const f = this.pop();
    if (typeof f !== "function" || !(args instanceof PyTuple)) {
      throw new UnpickleError(
        "a REDUCE call of something that is not an allowed callable",
        "REDUCE",
      );
    }
    this.stack.push((f as PyCallable)(args.items));
  }

  private u8(): number {
    return this.take(1)[0]!;
  }

  private skip(n: number): number {
    const at = this.pos;
    this.take(n);
    return at;
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new UnpickleError("the pickle ends too early");
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  private text(n: number): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.take(n));
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new UnpickleError("the pickle ends too early");
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  private pop(): unknown {
    if (this.stack.length === 0 || this.top() === MARK) throw this.bad("a pop");
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length === 0) throw this.bad("a read of the stack");
    return this.stack[this.stack.length - 1];
  }

  private popN(n: number): unknown[] {
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) items.unshift(this.pop());
    return items;
  }

  private popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) throw this.bad("a MARK");
    const items = this.stack.splice(at);
    items.shift();
    return items;
  }

  private get(i: number): unknown {
    if (!this.memo.has(i)) throw this.bad(`memo entry ${i}`);
    return this.memo.get(i);
  }

  private list(): unknown[] {
    const l = this.top();
    if (!Array.isArray(l)) throw this.bad("APPEND to a list");
    return l;
  }

  private dict(): Map<unknown, unknown> {
    const d = this.top();
    if (!(d instanceof Map)) throw this.bad("SETITEM on a dict");
    return d;
  }

  private bad(what: string): UnpickleError {
    return new UnpickleError(`the pickle is malformed: ${what} fails at byte ${this.pos}`);
  }
}

function pairs(d: Map<unknown, unknown>, items: unknown[]): Map<unknown, unknown> {
  for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
  return d;
}

/** A little-endian two's-complement integer of any length. */
function long(b: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** Opcodes that a state dict never uses, by name, for the error message. */
const REFUSED: Record<number, string> = {
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x50: "PERSID",
  0x49: "INT",
  0x4c: "LONG",
  0x53: "STRING",
  0x56: "UNICODE",
  0x46: "FLOAT",
  0x67: "GET",
  0x70: "PUT",
  0x54: "BINSTRING",
  0x55: "SHORT_BINSTRING",
  0x42: "BINBYTES",
  0x43: "SHORT_BINBYTES",
  0x8b: "LONG4",
  0x8d: "BINUNICODE8",
  0x8e: "BINBYTES8",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x96: "BYTEARRAY8",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
};
