// `resnetc build --fold`: a model saved for inference with batch norm folded into the convs (no
// BatchNormalization layer left, conv biases instead), said in resnetc.json; `predict` on it
// gives the unfolded model's probabilities; `--workers` splits the images without changing them.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noStack, resnetc } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "resnetc-fold-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { RESNETC_BACKEND: "wasm" };
const SPEC = "examples/mnist/resnet.resnet";
const images: string[] = [];

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const file = join(tmp, `digit${i}.png`);
    const pixels = Buffer.from(Array.from({ length: 28 * 28 }, (_, j) => (j * (7 + i)) % 251));
    await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(file);
    images.push(file);
  }
});

function layerClasses(dir: string): string[] {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  return (json.modelTopology.config.layers as { class_name: string }[]).map((l) => l.class_name);
}

function probabilities(dir: string, workers: string): number[][] {
  const r = resnetc(
    ["predict", "--model", dir, ...images, "--top", "10", "--json", "--workers", workers],
    { env },
  );
  expect(noStack(r), r.stderr).toBe(true);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { top: { class: string; probability: number }[] }[];
  return out.map((o) => {
    const p = new Array<number>(10).fill(0);
    for (const t of o.top) p[Number(t.class)] = t.probability;
    return p;
  });
}

describe("resnetc build --fold", () => {
  const plain = join(tmp, "plain");
  const folded = join(tmp, "folded");

  it("writes a model without batch norm layers and says folded: true in resnetc.json", () => {
    expect(resnetc(["build", SPEC, "-o", plain, "--seed", "3"], { env }).code).toBe(0);
    const r = resnetc(["build", SPEC, "-o", folded, "--seed", "3", "--fold"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^built mnist_resnet \(batch norm folded\): 75,002 params/);
    expect(layerClasses(plain)).toContain("BatchNormalization");
    expect(layerClasses(folded)).not.toContain("BatchNormalization");
    const info = (d: string) => JSON.parse(readFileSync(join(d, "resnetc.json"), "utf8"));
    expect(info(plain).folded).toBe(false);
    expect(info(folded).folded).toBe(true);
  });

  it("predicts what the unfolded model predicts (within 1e-5), on 1 thread and on 2", () => {
    const want = probabilities(plain, "1");
    for (const [dir, workers] of [
      [folded, "1"],
      [folded, "2"],
      [plain, "2"],
    ] as const) {
      const got = probabilities(dir, workers);
      got.forEach((p, i) =>
        p.forEach((v, k) =>
          expect(Math.abs(v - want[i]![k]!), `${dir} ${workers}`).toBeLessThan(1e-5),
        ),
      );
    }
  });

  it("is for the tfjs target only", () => {
    const r = resnetc(["build", SPEC, "-o", join(tmp, "py"), "--target", "pytorch", "--fold"], {
      env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--fold is for the tfjs target");
  });
});
