// Pretrained weights through the built binary: build/train/eval/predict --weights, --freeze, export.
// Compared with PyTorch where python3-torch is installed (.ci/run installs it); those checks skip
// with the reason otherwise.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import sharp from "sharp";
import { bytesOf } from "../runtime/io/weights-helpers.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { imagenetClasses } from "../../runtime/io/imagenet.js";
import { encodeSafetensors, readSafetensors } from "../../runtime/io/safetensors.js";
import { NO_TORCH, torchPython } from "../helpers/python.js";
import { noStack, resnetc } from "./run.js";

const FIX = resolve("specs/fixtures/torchvision");
const fx = (name: string) => join(FIX, name);
const tmp = mkdtempSync(join(tmpdir(), "resnetc-weights-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { RESNETC_BACKEND: "wasm" };

const PY = torchPython();
const torchMissing = PY === null;
it.skipIf(!torchMissing)(NO_TORCH, () => {});

/** PyTorch's load_state_dict(strict=True) of an exported file (strict_load.py). */
function strictLoad(
  file: string,
  net: string,
  classes?: number,
): { ok: boolean; error?: string; logits: number[] } {
  const args = [fx("strict_load.py"), file, net, ...(classes ? [String(classes)] : [])];
  const r = spawnSync(PY!, args, { encoding: "utf8", timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { ok: boolean; error?: string; logits: number[] };
}

async function sameTensors(file: string, reference: string, skip: (name: string) => boolean) {
  const a = await readSafetensors(file);
  const b = await readSafetensors(reference);
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, t] of b) {
    if (skip(name)) continue;
    expect(a.get(name)!.shape, name).toEqual(t.shape);
    expect(bytesOf(a.get(name)!.data).equals(bytesOf(t.data)), name).toBe(true);
  }
}

describe("resnetc build --weights, then export", () => {
  const out = join(tmp, "basic");
  const exported = join(tmp, "basic.safetensors");

  it("loads a .pth, writes ImageNet's preprocessing beside the model, and exports every tensor back bit for bit", async () => {
    const r = resnetc(["build", fx("basic.resnet"), "--weights", fx("basic.pth"), "-o", out], {
      env,
    });
    expect(r.stderr).toContain("backend wasm");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `built tv_basic: 33,826 params, 2,235,712 multiply-adds, 86 tensors from ${fx("basic.pth")}`,
    );
    expect(r.stdout).toMatch(/wrote .*preprocess\.json \(\d+ bytes\)/);
    expect(JSON.parse(readFileSync(join(out, "preprocess.json"), "utf8"))).toEqual({
      format: "resnetc-preprocess",
      version: 1,
      std: [0.229, 0.224, 0.225],
      resize: 256 / 224,
    });
    const mean = JSON.parse(readFileSync(join(out, "mean.json"), "utf8"));
    expect(mean.shape).toEqual([64, 64, 3]);
    expect(mean.values.slice(0, 4)).toEqual([0.485, 0.456, 0.406, 0.485].map(Math.fround));

    const e = resnetc(["export", out, "-o", exported], { env });
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(
      /^exported 86 tensors of tv_basic to .*basic\.safetensors \(144,832 bytes\)\n$/,
    );
    await sameTensors(exported, fx("basic.safetensors"), (n) => n.endsWith("num_batches_tracked"));
  });

  it.skipIf(torchMissing)(
    "PyTorch loads the export with strict=True and computes the fixture's logits",
    async () => {
      const r = strictLoad(exported, "basic");
      expect(r.error).toBeUndefined();
      // The same weights give PyTorch the same function: its logits on the fixture's input, exactly.
      const want = (await readSafetensors(fx("basic.expected.safetensors"))).get("logits")!;
      expect(r.logits).toEqual(Array.from(want.data));
    },
  );

  it.skipIf(torchMissing)(
    "torchvision's resnet18 and resnet50 load resnetc's ResNet-18 (the paper's) and ResNet-50 (v1.5) with strict=True",
    () => {
      for (const [file, variant, net] of [
        ["examples/imagenet/resnet.resnet", "18", "resnet18"],
        ["examples/imagenet/resnet-v15.resnet", "50", "resnet50"],
      ] as const) {
        const dir = join(tmp, net);
        expect(resnetc(["build", file, "--variant", variant, "-o", dir], { env }).code).toBe(0);
        const f = join(tmp, `${net}.safetensors`);
        expect(resnetc(["export", dir, "-o", f, "--spec", file], { env }).code).toBe(0);
        expect(strictLoad(f, net)).toEqual({ ok: true, logits: [] });
        rmSync(dir, { recursive: true });
      }
    },
  );

  it("a state dict that does not fit: every mismatch at once with the torchvision name, the resnetc layer and the spec line; exit 1; nothing written", async () => {
    const t = await readSafetensors(fx("basic.safetensors"));
    const tensors = [...t]
      .filter(([n]) => n !== "conv1.weight" && n !== "layer1.0.bn1.running_var")
      .map(([name, v]) => ({
        name,
        dtype: v.dtype as "F32" | "I64",
        shape: name === "fc.weight" ? [1000, 32] : v.shape,
        data: name === "fc.weight" ? new Float32Array(32000) : v.data,
      }));
    tensors.push({
      name: "layer5.0.conv1.weight",
      dtype: "F32",
      shape: [2],
      data: new Float32Array(2),
    });
    const bad = join(tmp, "bad.safetensors");
    writeFileSync(bad, encodeSafetensors(tensors));
    const dir = join(tmp, "never");
    const r = resnetc(["build", fx("basic.resnet"), "--weights", bad, "-o", dir], {
      env,
      cwd: tmp,
    });
    expect(r.code).toBe(1);
    const spec = fx("basic.resnet");
    expect(r.stderr).toBe(
      [
        "resnetc: bad.safetensors does not fit tv_basic: 4 tensors do not match; nothing was written",
        `  missing     conv1.weight [8, 3, 7, 7], for resnetc layer conv1_conv1 (${spec}:7)`,
        `  missing     layer1.0.bn1.running_var [8], for resnetc layer conv2_1_bn1 (${spec}:11)`,
        `  wrong shape fc.weight: [1000, 32] in the file, [10, 32] for resnetc layer fc (${spec}:15)`,
        "  unexpected  layer5.0.conv1.weight [2]: no layer of the spec has this name",
        "  hint: the names are torchvision's (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc), computed from the spec: check the variant, the widths, the block type (torchvision's resnet50/101/152 are bottleneck_v15) and the shortcut option",
        "",
      ].join("\n"),
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses a .pth whose pickle calls os.system, and a truncated file: exit 1, the file named, nothing run or written", () => {
    rmSync("/tmp/resnetc-evil-pth-ran", { force: true });
    const dir = join(tmp, "evil");
    const r = resnetc(["build", fx("basic.resnet"), "--weights", fx("evil.pth"), "-o", dir], {
      env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `resnetc: ${fx("evil.pth")}: refused to load evil/data.pkl: a reference to the Python global posix.system, which a state dict never contains. A weights file may hold only a state dict (ordered dicts of tensors); resnetc never runs code from one\n`,
    );
    expect(existsSync("/tmp/resnetc-evil-pth-ran")).toBe(false);
    expect(existsSync(dir)).toBe(false);

    const cut = join(tmp, "cut.safetensors");
    writeFileSync(cut, readFileSync(fx("basic.safetensors")).subarray(0, 100_000));
    const c = resnetc(["build", fx("basic.resnet"), "--weights", cut, "-o", dir], { env });
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(
      new RegExp(
        `^resnetc: ${cut} is not a valid safetensors file: tensor "[^"]+" ends at byte \\d+ of the data, but the file holds only \\d+ data bytes \\(truncated\\?\\)\\n$`,
      ),
    );
    expect(noStack(c)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it("usage errors exit 2", () => {
    const cases: [string[], RegExp][] = [
      [
        ["predict", "--model", "x", "--weights", fx("basic.pth"), "a.png"],
        /option '--weights <file>' cannot be used with option '--model <dir>'/,
      ],
      [
        ["predict", "--weights", fx("basic.pth"), "a.png"],
        /predict --weights needs the network's spec: --spec FILE \(and --variant V\)/,
      ],
      [
        ["predict", "a.png"],
        /predict needs either --model DIR \(a model resnetc wrote\) or --weights FILE/,
      ],
      [
        ["export", join(tmp, "basic"), "-o", join(tmp, "x.pth")],
        /export writes a \.safetensors file, got -o/,
      ],
      [
        ["train", fx("basic.resnet"), "--data", "mnist", "--freeze", "conv1..conv9"],
        /--freeze: tv_basic has no stage 'conv9'\n  hint: stages here: conv1, conv2, conv3, conv4, conv5/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = resnetc(args, { env });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe("fine-tuning: train --weights --freeze on an image folder", () => {
  const data = join(tmp, "pets");
  beforeAll(async () => {
    const colours = [
      [200, 40, 40],
      [40, 200, 40],
      [40, 40, 200],
    ];
    for (const split of ["train", "val"]) {
      for (const [k, name] of ["cat", "dog", "fox"].entries()) {
        mkdirSync(join(data, split, name), { recursive: true });
        for (let i = 0; i < (split === "train" ? 4 : 2); i++) {
          const [r, g, b] = colours[k]!;
          await sharp({
            create: { width: 70 + i, height: 66, channels: 3, background: { r: r + i, g, b } },
          })
            .png()
            .toFile(join(data, split, name, `${i}.png`));
        }
      }
    }
  });

  it("re-initialises the classifier for 3 classes (one line), keeps conv1..conv4 bit for bit, trains the rest; the export loads in PyTorch", async () => {
    const run = join(tmp, "ft");
    const r = resnetc(
      [
        "train",
        fx("basic.resnet"),
        "--weights",
        fx("basic.safetensors"),
        "--data",
        `folder:${data}`,
        "--freeze",
        "conv1..conv4",
        "--epochs",
        "1",
        "--batch-size",
        "6",
        "--out",
        run,
        "--progress",
        "none",
        "--workers",
        "1",
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split("\n");
    expect(lines).toContain(
      `weights: loaded from ${fx("basic.safetensors")}, except the classifier: 10 classes there, 3 in folder:${data}, so it starts from He initialisation`,
    );
    expect(lines).toContain(
      "freeze conv1, conv2, conv3, conv4: 22 layers keep their weights and batch-norm statistics",
    );
    expect(existsSync(join(run, "model", "preprocess.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(run, "model", "classes.json"), "utf8"))).toEqual([
      "cat",
      "dog",
      "fox",
    ]);

    const f = join(tmp, "ft.safetensors");
    expect(resnetc(["export", join(run, "model"), "-o", f], { env }).code).toBe(0);
    const frozen = (n: string) =>
      /^(conv1|bn1|layer[123])\./.test(n) && !n.endsWith("num_batches_tracked");
    const got = await readSafetensors(f);
    const original = await readSafetensors(fx("basic.safetensors"));
    expect([...got.keys()]).toEqual([...original.keys()]);
    for (const [name, t] of original) {
      const same = bytesOf(got.get(name)!.data).equals(bytesOf(t.data));
      if (frozen(name)) expect(same, name).toBe(true);
    }
    expect(got.get("layer4.0.conv1.weight")!.data).not.toEqual(
      original.get("layer4.0.conv1.weight")!.data,
    );
    expect(got.get("fc.weight")!.shape).toEqual([3, 32]);
    if (!torchMissing) expect(strictLoad(f, "basic", 3).ok).toBe(true);
  });

  it("eval --weights evaluates the imported network with ImageNet's preprocessing", () => {
    const r = resnetc(
      ["eval", fx("basic.resnet"), "--weights", fx("basic.pth"), "--data", `folder:${data}`],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^folder:.* test \(6 examples\): top-1 error \d+\.\d\d%, top-5 error \d+\.\d\d%, loss \d+\.\d{4}\n$/,
    );
  });
});

describe("predict with imported weights", () => {
  it("gives the softmax of PyTorch's logits on an image through torchvision's evaluation transform (short side 256/224 of the input, centre crop, ImageNet normalisation)", () => {
    const want = JSON.parse(readFileSync(fx("photo.expected.json"), "utf8")) as {
      logits: number[];
    };
    const built = join(tmp, "basic");
    if (!existsSync(built)) {
      resnetc(["build", fx("basic.resnet"), "--weights", fx("basic.pth"), "-o", built], { env });
    }
    for (const args of [
      ["--spec", fx("basic.resnet"), "--weights", fx("basic.pth")],
      ["--model", join(tmp, "basic")],
    ]) {
      const r = resnetc(["predict", ...args, fx("photo.png"), "--top", "10", "--json"], { env });
      expect(r.code, r.stderr).toBe(0);
      const top = JSON.parse(r.stdout)[0].top as { class: string; probability: number }[];
      const got = new Array<number>(10);
      for (const t of top) got[Number(t.class)] = t.probability;
      // predict shows probabilities: the softmax of PyTorch's logits (the spec's head has none).
      const top1 = Math.max(...want.logits);
      const exps = want.logits.map((l) => Math.exp(l - top1));
      const sum = exps.reduce((a, b) => a + b, 0);
      const err = Math.max(...got.map((g, i) => Math.abs(g - exps[i]! / sum)));
      expect(err).toBeLessThan(1e-5);
    }
  });

  it("an image it cannot decode is a user error naming the file (exit 1), not a crash", () => {
    const junk = join(tmp, "junk.png");
    writeFileSync(junk, "not an image");
    const args = ["predict", "--spec", fx("basic.resnet"), "--weights", fx("basic.pth"), junk];
    const r = resnetc(args, { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^resnetc: cannot decode image ${junk}: `, "m"));
    expect(noStack(r)).toBe(true);
  });

  it("prints ImageNet's class names for a 1000-class model without classes.json", () => {
    const spec = join(tmp, "thousand.resnet");
    writeFileSync(
      spec,
      "model thousand {\n  input 32x32x3\n  shortcut B\n  stem conv1 { conv 3x3, 4 }\n  stages s1..s1 basic x [1] widths [4] strides [1]\n  head { global avgpool; fc 1000; softmax }\n}\n",
    );
    const dir = join(tmp, "thousand");
    expect(resnetc(["build", spec, "-o", dir], { env }).code).toBe(0);
    const r = resnetc(["predict", "--model", dir, fx("photo.png"), "--top", "3", "--json"], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const names = (JSON.parse(r.stdout)[0].top as { class: string }[]).map((t) => t.class);
    expect(names).toHaveLength(3);
    for (const n of names) expect(imagenetClasses()).toContain(n);
    expect(imagenetClasses().slice(0, 3)).toEqual(["tench", "goldfish", "great white shark"]);
    expect(imagenetClasses()).toHaveLength(1000);
  });
});
