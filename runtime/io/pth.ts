// PyTorch's torch.save files (the zip format of PyTorch >= 1.6): a zip archive with one top directory
// holding data.pkl (the pickled object) and data/<key> (each storage's raw little-endian bytes). The
// pickle is read by the restricted unpickler with only what a state dict needs: OrderedDict, the
// tensor and parameter rebuild functions, and the typed storages named in persistent ids. Anything else
// is refused with an error that names it; nothing in the file is ever run.
import * as fsp from "node:fs/promises";

import { unzipSync } from "fflate";

import { WeightsFileError } from "./errors.js";
import { PyTuple, UnpickleError, unpickle } from "./pickle.js";
import { DTYPE_BYTES, type Dtype, type HostTensor, decode, numel } from "./tensors.js";

/** A tensor rebuilt from a storage (distinguishable from the other values of the pickle). */
export class PthTensor implements HostTensor {
  constructor(
    readonly dtype: Dtype,
    readonly shape: number[],
    readonly data: Float32Array,
  ) {}
}

const STORAGES: Record<string, Dtype> = {
  FloatStorage: "F32",
  DoubleStorage: "F64",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
};

class StorageType {
  constructor(readonly dtype: Dtype) {}
}

interface Storage {
  dtype: Dtype;
  bytes: Uint8Array;
  numel: number;
}

/** The magic number of a zip file's local header: "PK\x03\x04". */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export async function readPth(file: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    throw new WeightsFileError(`cannot read ${file}: ${(err as Error).message}`, file);
  }
  return parsePth(bytes, file);
}

/** The object a torch.save file holds, with its tensors as PthTensor. */
export function parsePth(bytes: Uint8Array, file: string): unknown {
  const entries = unzip(bytes, file);
  const pkl = Object.keys(entries).find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl === undefined) {
    throw new WeightsFileError(
      `${file} is a zip file but not a PyTorch torch.save file: it has no <name>/data.pkl`,
      file,
    );
  }
  const prefix = pkl.slice(0, -"data.pkl".length);
  const storage = (pid: unknown): Storage => loadStorage(pid, entries, prefix);
  try {
    return unpickle(entries[pkl]!, {
      globals: new Map<string, unknown>([
        ["collections.OrderedDict", () => new Map()],
        ["torch._utils._rebuild_tensor_v2", (a: unknown[]) => rebuildTensor(a)],
        ["torch._utils._rebuild_parameter", (a: unknown[]) => a[0]],
        ...Object.entries(STORAGES).map(
          ([name, dtype]) => [`torch.${name}`, new StorageType(dtype)] as [string, unknown],
        ),
      ]) as Map<string, object>,
      persistentLoad: storage,
      // OrderedDict's state is its attributes (a state dict's _metadata): kept out of the result.
      build: (obj) => obj instanceof Map,
    });
  } catch (err) {
    if (err instanceof UnpickleError) {
      const verb = err.refused ? "refused to load" : "cannot read";
      throw new WeightsFileError(
        `${file}: ${verb} ${pkl}: ${err.message}. A weights file may hold only a state dict (ordered dicts of tensors); resnetc never runs code from one`,
        file,
      );
    }
    if (err instanceof PthFormatError) {
      throw new WeightsFileError(`${file} is not a valid torch.save file: ${err.message}`, file);
    }
    throw err;
  }
}

class PthFormatError extends Error {}

function unzip(bytes: Uint8Array, file: string): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes);
  } catch (err) {
    throw new WeightsFileError(
      `${file} is not a readable zip file (truncated or corrupt?): ${(err as Error).message}`,
      file,
    );
  }
}

function loadStorage(pid: unknown, entries: Record<string, Uint8Array>, prefix: string): Storage {
  const t = pid instanceof PyTuple ? pid.items : [];
  const [kind, type, key, , count] = t;
  if (kind !== "storage" || !(type instanceof StorageType) || typeof key !== "string") {
    throw new PthFormatError("a persistent id that is not a storage");
  }
  const bytes = entries[`${prefix}data/${key}`];
  if (bytes === undefined) throw new PthFormatError(`the storage data/${key} is missing`);
  const n = typeof count === "number" ? count : bytes.length / DTYPE_BYTES[type.dtype];
  if (!Number.isInteger(n) || n * DTYPE_BYTES[type.dtype] > bytes.length) {
    throw new PthFormatError(
      `the storage data/${key} holds ${bytes.length} bytes, fewer than its ${String(count)} ${type.dtype} values need (truncated?)`,
    );
  }
  return { dtype: type.dtype, bytes, numel: n };
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]). */
function rebuildTensor(args: unknown[]): PthTensor {
  const [storage, offset, size, stride] = args as [Storage, unknown, unknown, unknown];
  const shape = ints(size);
  const strides = ints(stride);
  if (
    !storage ||
    !(storage.bytes instanceof Uint8Array) ||
    typeof offset !== "number" ||
    shape.length !== strides.length
  ) {
    throw new PthFormatError("a tensor whose storage, offset, size or stride is malformed");
  }
  const n = numel(shape);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * strides[d]!;
  if (n > 0 && (offset < 0 || last >= storage.numel)) {
    throw new PthFormatError(
      `a tensor of shape [${shape.join(", ")}] reaches past the end of its storage of ${storage.numel} values`,
    );
  }
  const flat = decode(storage.bytes, 0, storage.numel, storage.dtype);
  return new PthTensor(storage.dtype, shape, gather(flat, offset, shape, strides));
}

function ints(v: unknown): number[] {
  const items = v instanceof PyTuple ? v.items : null;
  if (!items || !items.every((x) => Number.isInteger(x) && (x as number) >= 0)) {
    throw new PthFormatError("a tensor size or stride that is not a tuple of integers");
  }
  return items as number[];
}

/** The values of a strided view, in row-major order. */
function gather(
  flat: Float32Array,
  offset: number,
  shape: number[],
  strides: number[],
): Float32Array {
  const n = numel(shape);
  let contiguous = true;
  for (let d = shape.length - 1, s = 1; d >= 0; s *= shape[d]!, d--) {
    if (shape[d]! > 1 && strides[d] !== s) contiguous = false;
  }
  if (contiguous) return flat.subarray(offset, offset + n);
  const out = new Float32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += idx[d]! * strides[d]!;
    out[i] = flat[at]!;
    for (let d = shape.length - 1; d >= 0 && ++idx[d]! === shape[d]; d--) idx[d] = 0;
  }
  return out;
}
