// Tensors read from or written to weights files, in host memory: a dtype as the file names it, a shape,
// and the values as float32 (every dtype a state dict holds converts exactly, except float64, float16's
// subnormal range aside, and int64 counters beyond 2^24, which only num_batches_tracked can reach).

/** Safetensors' dtype names; .pth storages are mapped onto them. */
export type Dtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

export const DTYPE_BYTES: Record<Dtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface HostTensor {
  dtype: Dtype;
  /** Row-major (C order), as PyTorch and safetensors store them. */
  shape: number[];
  data: Float32Array;
}

export type TensorMap = Map<string, HostTensor>;

export function isDtype(s: unknown): s is Dtype {
  return typeof s === "string" && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Decodes `count` little-endian values of `dtype` starting at `offset` of `bytes` into float32. For
 * aligned F32 data the result is a view of `bytes` (callers copy before they write).
 */
export function decode(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: Dtype,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPE_BYTES[dtype]);
  // Aligned little-endian float32: a view of the file's bytes, no copy (100 MB files load fast).
  if (dtype === "F32" && (bytes.byteOffset + offset) % 4 === 0 && littleEndianHost)
    return new Float32Array(bytes.buffer, bytes.byteOffset + offset, count);
  const out = new Float32Array(count);
  switch (dtype) {
    case "F32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case "F64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case "BF16": {
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case "I64":
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      break;
    case "I32":
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      break;
    case "I16":
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
      break;
    case "I8":
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case "U8":
    case "BOOL":
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
  }
  return out;
}

/** Encodes float32 values as little-endian F32 or I64 (the two dtypes resnetc writes). */
export function encode(data: Float32Array, dtype: "F32" | "I64"): Uint8Array {
  const out = new Uint8Array(data.length * DTYPE_BYTES[dtype]);
  const view = new DataView(out.buffer);
  if (dtype === "F32") {
    if (littleEndianHost) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  } else {
    for (let i = 0; i < data.length; i++)
      view.setBigInt64(8 * i, BigInt(Math.trunc(data[i]!)), true);
  }
  return out;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
