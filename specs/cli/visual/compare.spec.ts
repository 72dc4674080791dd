// `resnetc compare` through the built binary with tiny settings: two tiny networks, two iterations
// each on the bundled MNIST digits; run directories, chart, table, resume, and argument errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { byClass, parseXml } from "../../runtime/charts/xml.js";
import { noStack, resnetc } from "../run.js";

const tmp = mkdtempSync(join(tmpdir(), "resnetc-compare-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

writeFileSync(
  join(tmp, "tiny.resnet"),
  `model tiny {
  input 28x28x1
  shortcut A
  stem conv1 {
    conv 3x3, 4, stride 2
  }
  variants {
    1: n = 1
    2: n = 2
  }
  stages conv2..conv3 basic x [n, 1] widths [4, 8] strides [1, 2]
  head {
    global avgpool
    fc 10
    softmax
  }
  train {
    data mnist
    batch 16
    epochs 3
  }
}
`,
);
writeFileSync(
  join(tmp, "tiny-plain.resnet"),
  `use "tiny.resnet"\nmodel tiny_plain extends tiny {\n  shortcut none\n}\n`,
);

function metricsLines(dir: string): { epoch: number; iteration: number }[] {
  return readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { epoch: number; iteration: number });
}

describe("resnetc compare", () => {
  const out = join(tmp, "out");
  const args = [
    "compare",
    "tiny-plain.resnet:2",
    "tiny.resnet:2",
    "--iterations",
    "2",
    "--out",
    out,
    "--progress",
    "none",
  ];

  it("trains each network for --iterations steps, then writes the chart and the table", () => {
    const r = resnetc(args, { cwd: tmp });
    expect(r.stderr).toContain("[1/2] tiny_plain 2");
    expect(r.stderr).toContain("[2/2] tiny 2");
    expect(r.stderr).toContain(
      "each network: batch 16, lr 0.1, 2 iterations or 3 epochs, whichever comes first, seed 1",
    );
    expect(r.code).toBe(0);
    for (const d of ["tiny_plain_2", "tiny_2"]) {
      expect(metricsLines(join(out, d)).map((m) => [m.epoch, m.iteration])).toEqual([[1, 2]]);
      expect(existsSync(join(out, d, "checkpoint", "checkpoint.json"))).toBe(true);
      expect(existsSync(join(out, d, "model", "model.json"))).toBe(true);
    }
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "model         epochs  iterations  training error  test error  best test error",
    );
    expect(lines[2]).toMatch(
      /^tiny_plain_2       1           2 +\d+\.\d\d% +\d+\.\d\d% +\d+\.\d\d%$/,
    );
    expect(lines[3]).toMatch(
      /^tiny_2             1           2 +\d+\.\d\d% +\d+\.\d\d% +\d+\.\d\d%$/,
    );
    expect(lines[4]).toBe(
      `chart: ${join(out, "compare.svg")}, ${join(out, "compare.png")}; table: ${join(out, "compare.md")}`,
    );

    const doc = parseXml(readFileSync(join(out, "compare.svg"), "utf8"));
    expect(byClass(doc, "run").map((g) => g.attrs["data-label"])).toEqual([
      "tiny_plain_2",
      "tiny_2",
    ]);
    const png = readFileSync(join(out, "compare.png"));
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const md = readFileSync(join(out, "compare.md"), "utf8").split("\n");
    expect(md[0]).toBe(
      "| model | epochs | iterations | training error | test error | best test error |",
    );
    expect(md[2]).toMatch(
      /^\| tiny_plain_2 \| 1 \| 2 \| \d+\.\d\d% \| \d+\.\d\d% \| \d+\.\d\d% \|$/,
    );
    expect(md[3]).toMatch(/^\| tiny_2 \| 1 \| 2 \| /);
    expect(md[5]).toContain(
      "Trained with `resnetc compare tiny-plain.resnet:2 tiny.resnet:2 --iterations 2 --out " +
        out +
        "`: mnist, batch 16",
    );
  });

  it("--resume continues each run from its checkpoint (here: already at its stop)", () => {
    const r = resnetc([...args, "--resume"], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[1/2] tiny_plain 2 (resuming)");
    expect(r.stderr).toContain(
      `Resuming from ${join(out, "tiny_2", "checkpoint", "checkpoint.json")}: epoch 2, iteration 2`,
    );
    expect(metricsLines(join(out, "tiny_2")).map((m) => [m.epoch, m.iteration])).toEqual([[1, 2]]);
  });

  it("argument errors: a family without a variant, a bad --iterations, a missing file", () => {
    const r = resnetc(["compare", "tiny.resnet", "--iterations", "2"], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "resnetc: compare needs one network per argument, but tiny.resnet describes 2: tiny 1, tiny 2\n" +
        "  hint: name a variant after a colon, e.g. tiny.resnet:1\n",
    );
    const r2 = resnetc(["compare", "tiny.resnet:1", "--iterations", "0"], { cwd: tmp });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe("resnetc: --iterations must be a positive whole number, got '0'\n");
    const r3 = resnetc(["compare", "nope.resnet:1"], { cwd: tmp });
    expect(r3.code).toBe(2);
    expect(r3.stderr).toBe("resnetc: cannot read 'nope.resnet': no such file or directory\n");
    const r4 = resnetc(["compare", "tiny.resnet:7"], { cwd: tmp });
    expect(r4.code).toBe(1);
    expect(r4.stderr).toContain("unknown variant '7'");
    for (const x of [r, r2, r3, r4]) expect(noStack(x)).toBe(true);
  });
});
