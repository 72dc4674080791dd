// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
// then the tensors' bytes, offsets relative to the end of the header. Reading validates everything and
// names the file in every error; writing pads the header with spaces to a multiple of 8 bytes, as the
// reference implementation does, and lays the tensors out in the order given, without gaps.
import * as fsp from "node:fs/promises";

import { writeFileAtomic } from "./atomic.js";
import { WeightsFileError } from "./errors.js";
import {
  DTYPE_BYTES,
  type HostTensor,
  type TensorMap,
  decode,
  encode,
  isDtype,
  numel,
  shapeText,
} from "./tensors.js";

/** The reference implementation refuses headers over 100 MB; so does resnetc. */
const MAX_HEADER = 100_000_000;

interface Entry {
  name: string;
  dtype: HostTensor["dtype"];
  shape: number[];
  begin: number;
  end: number;
}

export async function readSafetensors(file: string): Promise<TensorMap> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    throw new WeightsFileError(`cannot read ${file}: ${(err as Error).message}`, file);
  }
  return parseSafetensors(bytes, file);
}

/** Parses a whole safetensors file held in memory. */
export function parseSafetensors(bytes: Uint8Array, file: string): TensorMap {
  const fail = (what: string) =>
    new WeightsFileError(`${file} is not a valid safetensors file: ${what}`, file);
  if (bytes.byteLength < 8)
    throw fail(`it has ${bytes.byteLength} bytes, fewer than the 8 of the header length`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER) throw fail(`its header length ${n} is over the limit of ${MAX_HEADER} bytes`);
  if (8 + n > bytes.byteLength) {
    throw fail(
      `its header says ${n} bytes, but the file has only ${bytes.byteLength - 8} after the length (truncated?)`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw fail(`its header is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw fail("its header is not a JSON object");
  }
  const entries = Object.entries(header as Record<string, unknown>)
    .filter(([name]) => name !== "__metadata__")
    .map(([name, v]) => entry(name, v, fail));
  checkLayout(entries, bytes.byteLength - 8 - n, fail);
  const out: TensorMap = new Map();
  for (const e of entries) {
    out.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: decode(bytes, 8 + n + e.begin, numel(e.shape), e.dtype),
    });
  }
  return out;
}

function entry(name: string, v: unknown, fail: (what: string) => WeightsFileError): Entry {
  const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
  if (t === null || typeof t !== "object") throw fail(`tensor "${name}" is not an object`);
  if (!isDtype(t.dtype)) {
    throw fail(
      `tensor "${name}" has an unknown dtype ${JSON.stringify(t.dtype)} (known: ${Object.keys(DTYPE_BYTES).join(", ")})`,
    );
  }
  const nat = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!Array.isArray(t.shape) || !t.shape.every(nat)) {
    throw fail(`tensor "${name}" has no valid shape (a list of non-negative integers)`);
  }
  const o = t.data_offsets;
  if (!Array.isArray(o) || o.length !== 2 || !o.every(nat) || o[0] > o[1]) {
    throw fail(`tensor "${name}" has no valid data_offsets [begin, end]`);
  }
  const shape = t.shape as number[];
  const expected = numel(shape) * DTYPE_BYTES[t.dtype];
  if (o[1] - o[0] !== expected) {
    throw fail(
      `tensor "${name}" (${t.dtype} ${shapeText(shape)}) needs ${expected} bytes but its data_offsets [${o[0]}, ${o[1]}] hold ${o[1] - o[0]}`,
    );
  }
  return { name, dtype: t.dtype, shape, begin: o[0], end: o[1] };
}

function checkLayout(
  entries: Entry[],
  dataBytes: number,
  fail: (what: string) => WeightsFileError,
): void {
  for (const e of entries) {
    if (e.end > dataBytes) {
      throw fail(
        `tensor "${e.name}" ends at byte ${e.end} of the data, but the file holds only ${dataBytes} data bytes (truncated?)`,
      );
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.begin < a.end) {
      throw fail(
        `tensors "${a.name}" [${a.begin}, ${a.end}] and "${b.name}" [${b.begin}, ${b.end}] overlap`,
      );
    }
  }
}

export interface WriteTensor {
  name: string;
  dtype: "F32" | "I64";
  shape: number[];
  data: Float32Array;
}

/** The bytes of a safetensors file holding `tensors` in the given order. */
export function encodeSafetensors(
  tensors: readonly WriteTensor[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.data.length !== numel(t.shape)) {
      throw new Error(
        `tensor "${t.name}" has ${t.data.length} values for shape ${shapeText(t.shape)}`,
      );
    }
    const bytes = t.data.length * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.fill(0x20, 8, 8 + padded);
  out.set(json, 8);
  let pos = 8 + padded;
  for (const t of tensors) {
    const b = encode(t.data, t.dtype);
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

/** Writes a safetensors file atomically (never a half-written file under its name). */
export async function writeSafetensors(
  file: string,
  tensors: readonly WriteTensor[],
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
