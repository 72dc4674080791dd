// A weights file of either format, as a flat state dict: name -> tensor. The format is told by the
// content (a zip archive is a torch.save file, anything else must be safetensors), not the extension.
// A state dict nested under "state_dict" or "model" (training scripts' checkpoints) is taken from
// there, and a "module." prefix on every name (nn.DataParallel) is removed.
import * as fsp from "node:fs/promises";

import { WeightsFileError } from "./errors.js";
import { PthTensor, isZip, parsePth } from "./pth.js";
import { parseSafetensors } from "./safetensors.js";
import type { TensorMap } from "./tensors.js";

export interface WeightsFile {
  file: string;
  format: "safetensors" | "pth";
  tensors: TensorMap;
}

export async function readWeightsFile(file: string): Promise<WeightsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WeightsFileError(
      code === "ENOENT"
        ? `cannot read the weights ${file}: no such file`
        : `cannot read the weights ${file}: ${(err as Error).message}`,
      file,
    );
  }
  if (isZip(bytes)) {
    return { file, format: "pth", tensors: stripPrefix(stateDict(parsePth(bytes, file), file)) };
  }
  if (isLegacyTorch(bytes)) {
    throw new WeightsFileError(
      `${file} is in PyTorch's legacy format (before 1.6), which resnetc does not read; re-save it with torch.save(state_dict, "${file}") in PyTorch 1.6 or later, or convert it to safetensors`,
      file,
    );
  }
  return { file, format: "safetensors", tensors: stripPrefix(parseSafetensors(bytes, file)) };
}

/** The tensors of a pickled state dict, possibly nested under "state_dict" or "model". */
function stateDict(obj: unknown, file: string): TensorMap {
  for (let depth = 0; depth < 3 && obj instanceof Map; depth++) {
    const dict = obj;
    const nested = ["state_dict", "model"].map((k) => dict.get(k)).find((v) => v instanceof Map);
    if (nested === undefined) break;
    obj = nested;
  }
  if (!(obj instanceof Map)) {
    throw new WeightsFileError(
      `${file} holds no state dict (a dict of tensors): torch.save(model.state_dict(), "${file}") writes one`,
      file,
    );
  }
  const out: TensorMap = new Map();
  for (const [k, v] of obj) {
    if (typeof k === "string" && v instanceof PthTensor) out.set(k, v);
  }
  if (out.size === 0 && obj.size > 0) {
    throw new WeightsFileError(
      `${file} holds a dict without tensors; expected a state dict, or one under "state_dict" or "model"`,
      file,
    );
  }
  return out;
}

function stripPrefix(t: TensorMap): TensorMap {
  const names = [...t.keys()];
  if (names.length === 0 || !names.every((n) => n.startsWith("module."))) return t;
  return new Map([...t].map(([k, v]) => [k.slice("module.".length), v]));
}

/** PyTorch's legacy format starts with a pickled magic number: PROTO 2, LONG1 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

function isLegacyTorch(bytes: Uint8Array): boolean {
  return bytes.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => bytes[i] === b);
}
