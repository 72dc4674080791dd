// Paths of the torchvision-layout fixtures (made by specs/fixtures/torchvision/make.py).
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../fixtures/torchvision",
);

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** The bytes of a typed array (which may be a view into a larger buffer). */
export function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
