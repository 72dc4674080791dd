// The ResNet family's examples through the built binary: each passes check, fmt --check and table
// (with the parameter counts), builds to a tfjs model, and its digits-sized twin
// (examples/family/digits.resnet) trains a few iterations on the bundled digits; a trained model
// with the custom grouped-conv layer loads back for predict.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noStack, resnetc } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "resnetc-family-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { RESNETC_BACKEND: "wasm" };
const F = "examples/family";
const FILES = ["resnext", "wide", "se-resnet", "resnet-d", "digits"].map((f) => `${F}/${f}.resnet`);

describe("examples/family", () => {
  it("check and fmt --check pass on every file", () => {
    const c = resnetc(["check", ...FILES]);
    expect(c.stderr).toBe("");
    expect(c.code).toBe(0);
    const f = resnetc(["fmt", "--check", ...FILES]);
    expect(f.code).toBe(0);
  });

  it("table --json gives the issue's parameter counts", () => {
    const r = resnetc(["table", "--json", ...FILES.slice(0, 4)]);
    expect(r.code).toBe(0);
    const models = JSON.parse(r.stdout).models as { name: string; params: number }[];
    expect(Object.fromEntries(models.map((m) => [m.name, m.params]))).toEqual({
      resnext50_32x4d: 25_028_904,
      resnext101_32x8d: 88_791_336,
      resnext101_64x4d: 83_455_272,
      wide_resnet50_2: 68_883_240,
      wide_resnet101_2: 126_886_696,
      wrn28_10: 36_481_434,
      seresnet50: 28_088_024,
      resnet50d: 25_576_264,
    });
  });

  it("table prints ResNeXt's cells as the paper writes them, with torchvision's multiply-adds", () => {
    const r = resnetc(["table", `${F}/resnext.resnet`, "--model", "resnext50_32x4d"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3");
    expect(r.stdout).toMatch(/multiply-adds\s+4\.230e9 \(torchvision 4\.23e9\)/);
  });

  it.each([
    ["resnext", "resnext50_32x4d"],
    ["se-resnet", "seresnet50"],
    ["resnet-d", "resnet50d"],
    ["wide", "wrn28_10"],
  ])("build %s --model %s writes a tfjs model", (file, model) => {
    const out = join(tmp, model);
    const r = resnetc(["build", `${F}/${file}.resnet`, "--model", model, "-o", out], { env });
    expect(r.code).toBe(0);
    expect(noStack(r)).toBe(true);
    const json = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    rmSync(out, { recursive: true, force: true });
  });
});

const digit = join(tmp, "digit.png");
beforeAll(async () => {
  await sharp(Buffer.alloc(28 * 28, 128), { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toFile(digit);
});

describe("the digits twins train on the bundled digits", () => {
  it.each(["resnext_digits", "wide_digits", "se_digits", "resnet_d_digits", "dilated_digits"])(
    "%s: 2 iterations, then predict with the saved model",
    (model) => {
      const run = join(tmp, model);
      const r = resnetc(
        [
          "train",
          `${F}/digits.resnet`,
          "--model",
          model,
          "--iterations",
          "2",
          "--out",
          run,
          "--progress",
          "none",
        ],
        { env },
      );
      expect(noStack(r)).toBe(true);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^trained ${model} for 1 epochs \\(2 iterations\\)`, "m"),
      );
      // The saved model (custom grouped-conv layer included) loads back and classifies a digit.
      const p = resnetc(["predict", "--model", join(run, "model"), digit, "--top", "1", "--json"], {
        env,
      });
      expect(noStack(p)).toBe(true);
      expect(p.code).toBe(0);
      expect(JSON.parse(p.stdout)[0].top).toHaveLength(1);
    },
  );
});
