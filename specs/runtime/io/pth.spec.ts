import { existsSync } from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import { unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WeightsFileError } from "../../../runtime/io/errors.js";
import { encodeSafetensors, readSafetensors } from "../../../runtime/io/safetensors.js";
import { readWeightsFile } from "../../../runtime/io/weights-file.js";
import { bytesOf, fixture } from "./weights-helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), "resnetc-pth-"));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Writes a torch.save-like zip whose data.pkl is `pickle` (plus the given entries). */
async function zipWith(
  name: string,
  pickle: Uint8Array,
  more: Record<string, Uint8Array> = {},
): Promise<string> {
  const p = path.join(dir, name);
  await fsp.writeFile(p, zipSync({ "archive/data.pkl": pickle, ...more }, { level: 0 }));
  return p;
}

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

async function rejection(file: string): Promise<string> {
  try {
    await readWeightsFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(WeightsFileError);
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("PyTorch .pth files", () => {
  it("give the same tensors, bit for bit, as the safetensors file of the same state dict", async () => {
    for (const net of ["basic", "bottleneck"]) {
      const pth = await readWeightsFile(fixture(`${net}.pth`));
      const st = await readSafetensors(fixture(`${net}.safetensors`));
      expect(pth.format).toBe("pth");
      expect([...pth.tensors.keys()]).toEqual([...st.keys()]);
      for (const [name, t] of st) {
        const p = pth.tensors.get(name)!;
        expect(p.dtype, name).toBe(t.dtype);
        expect(p.shape, name).toEqual(t.shape);
        expect(bytesOf(p.data).equals(bytesOf(t.data)), name).toBe(true);
      }
    }
  });

  it("read a checkpoint's nested state dict, strip DataParallel's module. prefix, follow strides and offsets, convert dtypes", async () => {
    const w = await readWeightsFile(fixture("odd.pth"));
    const t = Object.fromEntries(
      [...w.tensors].map(([k, v]) => [k, [v.dtype, v.shape, Array.from(v.data)]]),
    );
    expect(t).toEqual({
      transposed: ["F32", [3, 2], [-0.5, -0.125, -0.375, 0, -0.25, 0.125]],
      offset: ["F32", [3, 2], [0, 0.125, 0.25, 0.375, 0.5, 0.625]],
      half: ["F16", [4], [0.5, -2, 65504, 2 ** -24]],
      bfloat: ["BF16", [2], [1.5, -3]],
      double: ["F64", [2, 1], [0.25, Math.fround(1e-3)]],
      count: ["I64", [], [7]],
    });
  });

  it("refuse a pickle that calls os.system, naming it, without running it", async () => {
    const marker = "/tmp/resnetc-evil-pth-ran";
    await fsp.rm(marker, { force: true });
    const file = fixture("evil.pth");
    expect(await rejection(file)).toBe(
      `${file}: refused to load evil/data.pkl: a reference to the Python global posix.system, which a state dict never contains. A weights file may hold only a state dict (ordered dicts of tensors); resnetc never runs code from one`,
    );
    expect(existsSync(marker)).toBe(false);
    // The same, written as os.system (protocol 2: GLOBAL 'os system', a 1-tuple, REDUCE).
    const p = await zipWith("os.pth", bytes("\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R."));
    expect(await rejection(p)).toMatch(
      /refused to load archive\/data.pkl: a reference to the Python global os.system,/,
    );
  });

  it("refuse other globals, object-creating opcodes, and BUILD on anything but an ordered dict", async () => {
    const builtins = await zipWith("eval.pth", bytes("\x80\x02c__builtin__\neval\n."));
    expect(await rejection(builtins)).toMatch(/the Python global __builtin__.eval, which/);
    const inst = await zipWith("inst.pth", bytes("(ios\nsystem\n."));
    expect(await rejection(inst)).toMatch(
      /refused to load archive\/data.pkl: opcode INST at byte 1, which a state dict never uses/,
    );
    const build = await zipWith("build.pth", bytes("\x80\x02]}b."));
    expect(await rejection(build)).toMatch(
      /refused to load archive\/data.pkl: a BUILD call \(setting an object's state\) on something other than an ordered dict/,
    );
    const unknown = await zipWith("unknown.pth", bytes("\x80\x02\xff."));
    expect(await rejection(unknown)).toMatch(
      /refused to load archive\/data.pkl: unknown opcode 0xff at byte 2/,
    );
  });

  it("refuse a truncated file, a missing or short storage, and the legacy format", async () => {
    const whole = await fsp.readFile(fixture("basic.pth"));
    const cut = path.join(dir, "cut.pth");
    await fsp.writeFile(cut, whole.subarray(0, whole.length - 500));
    expect(await rejection(cut)).toMatch(
      new RegExp(`^${cut} is not a readable zip file \\(truncated or corrupt\\?\\)`),
    );

    const entries = unzipSync(whole);
    const { "basic/data/0": first, ...rest } = entries;
    await fsp.writeFile(path.join(dir, "missing.pth"), zipSync(rest, { level: 0 }));
    expect(await rejection(path.join(dir, "missing.pth"))).toBe(
      `${path.join(dir, "missing.pth")} is not a valid torch.save file: the storage data/0 is missing`,
    );
    const short = { ...entries, "basic/data/0": first!.subarray(0, 100) };
    await fsp.writeFile(path.join(dir, "short.pth"), zipSync(short, { level: 0 }));
    expect(await rejection(path.join(dir, "short.pth"))).toBe(
      `${path.join(dir, "short.pth")} is not a valid torch.save file: the storage data/0 holds 100 bytes, fewer than its 1176 F32 values need (truncated?)`,
    );

    const legacy = path.join(dir, "legacy.pt");
    await fsp.writeFile(legacy, bytes("\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."));
    expect(await rejection(legacy)).toMatch(
      /is in PyTorch's legacy format \(before 1.6\), which resnetc does not read/,
    );
    expect(await rejection(path.join(dir, "none.pth"))).toBe(
      `cannot read the weights ${path.join(dir, "none.pth")}: no such file`,
    );
  });

  it("do not take a safetensors file whose header length starts with byte 0x80 for the legacy format", async () => {
    const t = [{ name: "a", dtype: "F32" as const, shape: [1], data: Float32Array.of(2) }];
    let pad = "";
    let bytes = encodeSafetensors(t, { pad });
    while (bytes[0] !== 0x80) bytes = encodeSafetensors(t, { pad: (pad += "x") });
    expect([bytes[0], bytes[1]]).toEqual([0x80, 0x00]);
    const p = path.join(dir, "x80.safetensors");
    await fsp.writeFile(p, bytes);
    const w = await readWeightsFile(p);
    expect(w.format).toBe("safetensors");
    expect(Array.from(w.tensors.get("a")!.data)).toEqual([2]);
  });

  it("refuse a pickle that holds no state dict", async () => {
    const list = await zipWith("list.pth", bytes("\x80\x02]."));
    expect(await rejection(list)).toBe(
      `${list} holds no state dict (a dict of tensors): torch.save(model.state_dict(), "${list}") writes one`,
    );
  });
});
