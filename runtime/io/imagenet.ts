// ImageNet's 1000 class names in torchvision's order (the order of its pretrained classifiers),
// shipped with resnetc as runtime/io/imagenet-classes.json (extracted from torchvision by
// specs/fixtures/torchvision/make.py).
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string[] | null = null;

export function imagenetClasses(): string[] {
  if (cached !== null) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  // From the sources (runtime/io/) and from the build (dist/runtime/io/).
  for (const p of [
    resolve(here, "imagenet-classes.json"),
    resolve(here, "../../../runtime/io/imagenet-classes.json"),
  ]) {
    if (existsSync(p)) return (cached = JSON.parse(readFileSync(p, "utf8")) as string[]);
  }
  throw new Error(`internal: imagenet-classes.json not found near ${here}`);
}
