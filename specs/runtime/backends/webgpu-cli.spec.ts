// The WebGPU route end to end through the resnetc binary, on SwiftShader's software Vulkan where
// there is no GPU (software-vulkan.ts): doctor finds the adapter and says that auto passes a
// software one over; `train --backend webgpu` runs a few iterations (a small net with option A's
// shortcut, whose gradient is a rank-6 pad) and saves a model that `eval` reads on another backend
// with the same test error. A few 16x16 images stand in for data: SwiftShader is slow.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../../runtime/rng.js";
import { noStack, resnetc } from "../../cli/run.js";
import { IN_CI, computes, probeWebgpuOrSoftware, whyNot } from "./software-vulkan.js";

const probe = await probeWebgpuOrSoftware();
const runs = computes(probe);
const software = /swiftshader|llvmpipe|lavapipe/i.test(probe.adapter?.device ?? "");
const title = runs ? `the webgpu route through the CLI (${probe.summary})` : whyNot(probe);

const SPEC = `model tiny {
  input 16x16x3
  shortcut A

  stem conv1 {
    conv 3x3, 8
  }

  stages conv2..conv3 basic x [1, 1] widths [8, 16] strides [1, 2]

  head {
    global avgpool
    fc 2
    softmax
  }

  train {
    sgd momentum 0.9, weight_decay 1e-4
    batch 4
    lr 0.05
    epochs 1
  }
}
`;

/** DIR/{train,val}/{a,b}/*.png: random 16x16 images, class b brighter. */
async function imageFolder(root: string): Promise<void> {
  const rng = new Rng(5);
  for (const [split, n] of [
    ["train", 4],
    ["val", 3],
  ] as const) {
    for (const cls of ["a", "b"]) {
      mkdirSync(join(root, split, cls), { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = Buffer.from(
          Array.from({ length: 16 * 16 * 3 }, () => (cls === "b" ? 128 : 0) + rng.next() * 127),
        );
        await sharp(px, { raw: { width: 16, height: 16, channels: 3 } })
          .png()
          .toFile(join(root, split, cls, `${i}.png`));
      }
    }
  }
}

describe.skipIf(!runs && !IN_CI)(title, () => {
  let tmp = "";
  const env = () => ({ VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? "" });
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "resnetc-webgpu-"));
    writeFileSync(join(tmp, "tiny.resnet"), SPEC);
    await imageFolder(join(tmp, "data"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.skipIf(runs && !software)("doctor finds the software adapter; auto passes it over", () => {
    if (!runs) throw new Error(`CI must run this spec: ${title}`);
    const r = resnetc(["doctor"], { env: env() });
    expect(r.code).toBe(0);
    const label = probe.adapter!.device;
    expect(r.stdout).toMatch(/^ {2}webgpu {2}available {7}webgpu /m);
    expect(r.stdout).toContain(`          adapter: ${label} (vendor `);
    expect(r.stdout).toContain(
      `          auto passes it over: webgpu: only a software adapter (${label})\n`,
    );
    expect(r.stdout).toMatch(
      /^auto picks: backend wasm \(auto: .*webgpu: only a software adapter/m,
    );
  });

  it("train --backend webgpu saves a model that eval reads, with the same test error", () => {
    if (!runs) throw new Error(`CI must run this spec: ${title}`);
    const spec = join(tmp, "tiny.resnet");
    const data = `folder:${join(tmp, "data")}`;
    const out = join(tmp, "run");
    const t = resnetc(
      [
        "train",
        spec,
        "--backend",
        "webgpu",
        "--data",
        data,
        "--iterations",
        "2",
        "--progress",
        "none",
        "--out",
        out,
      ],
      { env: env() },
    );
    expect(t.stderr + t.stdout).toContain("backend webgpu (requested by --backend; adapter ");
    expect(t.code, t.stderr).toBe(0);
    const trained = /test top-1 error (\d+\.\d\d)%/.exec(t.stdout);
    expect(trained).not.toBeNull();
    const e = resnetc(
      ["eval", spec, "--model", join(out, "model"), "--data", data, "--backend", "cpu"],
      { env: env() },
    );
    expect(noStack(e)).toBe(true);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain(`test (6 examples): top-1 error ${trained![1]}%`);
  });
});
