import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WeightsFileError } from "../../../runtime/io/errors.js";
import {
  encodeSafetensors,
  parseSafetensors,
  readSafetensors,
  writeSafetensors,
  type WriteTensor,
} from "../../../runtime/io/safetensors.js";
import { bytesOf, fixture } from "./weights-helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-st-"));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** A safetensors file from a header object and data bytes, laid out by hand. */
function file(header: unknown, data: Uint8Array, lengthField?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthField ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

const parseError = (bytes: Uint8Array) => {
  try {
    parseSafetensors(bytes, "w.safetensors");
  } catch (err) {
    expect(err).toBeInstanceOf(WeightsFileError);
    expect((err as WeightsFileError).file).toBe("w.safetensors");
    return (err as Error).message;
  }
  throw new Error("expected an error");
};

describe("safetensors", () => {
  it("reads the file PyTorch's side wrote: names, dtypes, shapes and values", async () => {
    const t = await readSafetensors(fixture("basic.safetensors"));
    expect(t.size).toBe(86); // 1 + 5 (stem) + 2 x 12 (layer1) + 3 x 18 (layer2-4, with downsample) + 2 (fc)
    expect(t.get("conv1.weight")).toMatchObject({ dtype: "F32", shape: [8, 3, 7, 7] });
    expect(t.get("bn1.num_batches_tracked")).toMatchObject({ dtype: "I64", shape: [] });
    expect(Array.from(t.get("bn1.num_batches_tracked")!.data)).toEqual([3]);
    expect(t.get("fc.weight")!.shape).toEqual([10, 32]);
    expect(t.get("layer2.0.downsample.0.weight")!.shape).toEqual([16, 8, 1, 1]);
  });

  it("writes back, byte for byte, the file the format's reference layout gives", async () => {
    const bytes = await fsp.readFile(fixture("basic.safetensors"));
    const t = parseSafetensors(bytes, "basic.safetensors");
    const out: WriteTensor[] = [...t].map(([name, v]) => ({
      name,
      dtype: v.dtype as "F32" | "I64",
      shape: v.shape,
      data: v.data,
    }));
    expect(Buffer.from(encodeSafetensors(out)).equals(bytes)).toBe(true);
  });

  it("round-trips through a file, with metadata, the header padded to 8 bytes", async () => {
    const p = path.join(dir, "rt.safetensors");
    const a = Float32Array.from([1.5, -0, NaN, 3.4028234663852886e38, 1e-45]);
    await writeSafetensors(p, [{ name: "a", dtype: "F32", shape: [5], data: a }], { by: "x" });
    const bytes = await fsp.readFile(p);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    expect(JSON.parse(bytes.subarray(8, 8 + n).toString())).toEqual({
      __metadata__: { by: "x" },
      a: { dtype: "F32", shape: [5], data_offsets: [0, 20] },
    });
    const back = (await readSafetensors(p)).get("a")!;
    expect(bytesOf(back.data).equals(bytesOf(a))).toBe(true);
  });

  it("converts F16, BF16, F64 and integer dtypes to float32", () => {
    const data = new Uint8Array(2 * 2 + 2 + 8 + 4 + 1);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3c00, true); // 1.0
    v.setUint16(2, 0xc000, true); // -2.0
    v.setUint16(4, 0x3fc0, true); // bf16 1.5
    v.setFloat64(6, 0.1, true);
    v.setInt32(14, -7, true);
    v.setInt8(18, -3);
    const t = parseSafetensors(
      file(
        {
          h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
          b: { dtype: "BF16", shape: [], data_offsets: [4, 6] },
          d: { dtype: "F64", shape: [1], data_offsets: [6, 14] },
          i: { dtype: "I32", shape: [1, 1], data_offsets: [14, 18] },
          c: { dtype: "I8", shape: [1], data_offsets: [18, 19] },
        },
        data,
      ),
      "x",
    );
    expect(Array.from(t.get("h")!.data)).toEqual([1, -2]);
    expect(Array.from(t.get("b")!.data)).toEqual([1.5]);
    expect(Array.from(t.get("d")!.data)).toEqual([Math.fround(0.1)]);
    expect(Array.from(t.get("i")!.data)).toEqual([-7]);
    expect(Array.from(t.get("c")!.data)).toEqual([-3]);
  });

  it("refuses a truncated file, naming it", async () => {
    const bytes = await fsp.readFile(fixture("basic.safetensors"));
    const cut = path.join(dir, "cut.safetensors");
    await fsp.writeFile(cut, bytes.subarray(0, bytes.length - 100));
    await expect(readSafetensors(cut)).rejects.toThrow(
      `${cut} is not a valid safetensors file: tensor "fc.weight" ends at byte 137424 of the data, but the file holds only 137364 data bytes (truncated?)`,
    );
    expect(parseError(bytes.subarray(0, 5))).toBe(
      "w.safetensors is not a valid safetensors file: it has 5 bytes, fewer than the 8 of the header length",
    );
  });

  it("refuses a header larger than the file", () => {
    const h = { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } };
    expect(parseError(file(h, f32(1), 1000))).toBe(
      "w.safetensors is not a valid safetensors file: its header says 1000 bytes, but the file has only 58 after the length (truncated?)",
    );
    expect(parseError(file(h, f32(1), 2 ** 40))).toMatch(
      /header length 1099511627776 is over the limit/,
    );
  });

  it("refuses offsets out of range, overlapping tensors, and a size that does not match the shape", () => {
    expect(
      parseError(file({ a: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, f32(1, 2))),
    ).toBe(
      'w.safetensors is not a valid safetensors file: tensor "a" ends at byte 12 of the data, but the file holds only 8 data bytes (truncated?)',
    );
    expect(
      parseError(
        file(
          {
            a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
            b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
          },
          f32(1, 2),
        ),
      ),
    ).toBe(
      'w.safetensors is not a valid safetensors file: tensors "a" [0, 8] and "b" [4, 8] overlap',
    );
    expect(
      parseError(file({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32(1, 2))),
    ).toBe(
      'w.safetensors is not a valid safetensors file: tensor "a" (F32 [3]) needs 12 bytes but its data_offsets [0, 8] hold 8',
    );
    expect(
      parseError(file({ a: { dtype: "F32", shape: [1], data_offsets: [8, 4] } }, f32(1, 2))),
    ).toBe(
      'w.safetensors is not a valid safetensors file: tensor "a" has no valid data_offsets [begin, end]',
    );
  });

  it("refuses unknown dtypes, bad shapes and a header that is not a JSON object", () => {
    expect(
      parseError(file({ a: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, f32(1))),
    ).toBe(
      'w.safetensors is not a valid safetensors file: tensor "a" has an unknown dtype "F8_E4M3" (known: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)',
    );
    expect(
      parseError(file({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, f32(1))),
    ).toBe(
      'w.safetensors is not a valid safetensors file: tensor "a" has no valid shape (a list of non-negative integers)',
    );
    expect(parseError(file([1, 2], f32(1)))).toBe(
      "w.safetensors is not a valid safetensors file: its header is not a JSON object",
    );
    const text = new TextEncoder().encode("PK not safetensors at all");
    expect(parseError(text)).toMatch(
      /^w.safetensors is not a valid safetensors file: its header length \d+ is over the limit/,
    );
  });
});
