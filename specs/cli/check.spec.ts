// `resnetc check`, `table`, `summary` and the command line's contract: exit codes, messages,
// --json, --help, --version; run through the built binary.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { noStack, resnetc } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "resnetc-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function spec(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe("resnetc (no command, --help, --version)", () => {
  it("--version prints the package version", () => {
    const r = resnetc(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  });

  it("--help lists the commands", () => {
    const r = resnetc(["--help"]);
    expect(r.code).toBe(0);
    for (const c of [
      "check",
      "summary",
      "table",
      "build",
      "train",
      "eval",
      "predict",
      "doctor",
      "fmt",
      "compare",
      "plot",
      "graph",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    }
  });

  it("check --help describes the command's flags", () => {
    const r = resnetc(["check", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--variant <v>");
    expect(r.stdout).toContain("--json");
  });

  it("an unknown command is a usage error (exit 2)", () => {
    const r = resnetc(["chek", "x.resnet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'chek'");
    expect(r.stderr).toContain("(Did you mean check?)");
  });

  it("a missing argument is a usage error (exit 2)", () => {
    const r = resnetc(["check"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'files'");
  });
});

describe("resnetc check", () => {
  it("passes every example (a glob the shell did not expand)", () => {
    const r = resnetc(["check", "examples/**/*.resnet"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "examples/imagenet/resnet.resnet: ok (resnet [18, 34, 50, 101, 152])",
    );
    expect(r.stdout).toContain(
      "examples/cifar/resnet.resnet: ok (cifar_resnet [20, 32, 44, 56, 110, 1202])",
    );
  });

  it("a directory checks every .resnet file below it", () => {
    const r = resnetc(["check", "examples/cifar"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(3);
  });

  it("a file that does not exist is a usage error (exit 2) naming it", () => {
    const r = resnetc(["check", "nope.resnet"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("resnetc: cannot read 'nope.resnet': no such file or directory");
  });

  it("a shape error: exit 1, file:line:col, code frame, hint, no stack trace", () => {
    const p = spec(
      "plain.resnet",
      `model cifar {
  input 32x32x3
  shortcut identity
  stem conv1 { conv 3x3, 16 }
  stages conv2..conv4 basic x [3, 3, 3] widths [16, 32, 64] strides [1, 2, 2]
  head { global avgpool; fc 10; softmax }
}
`,
    );
    const r = resnetc(["check", p], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(noStack(r)).toBe(true);
    expect(r.stderr).toBe(
      `plain.resnet:5:3 - error RN201: residual addition needs equal shapes, got 16x16x32 (block) + 32x32x16 (shortcut) in conv3_1
  5 |   stages conv2..conv4 basic x [3, 3, 3] widths [16, 32, 64] strides [1, 2, 2]
    |   ^~~~~~~~~~~~~~~~~~~ conv3 doubles the channels and halves the size, but the shortcut is identity
  hint: use \`shortcut A\` (zero-padding, no parameters) or \`shortcut B\` (1x1 projection)
plain.resnet:5:3 - error RN201: residual addition needs equal shapes, got 8x8x64 (block) + 16x16x32 (shortcut) in conv4_1
  5 |   stages conv2..conv4 basic x [3, 3, 3] widths [16, 32, 64] strides [1, 2, 2]
    |   ^~~~~~~~~~~~~~~~~~~ conv4 doubles the channels and halves the size, but the shortcut is identity
  hint: use \`shortcut A\` (zero-padding, no parameters) or \`shortcut B\` (1x1 projection)
Found 2 errors.
`,
    );
  });

  it("--json prints the diagnostics as data", () => {
    const p = spec(
      "typo.resnet",
      "model m {\n  input 8x8x3\n  stages s1..s2 basci x [1, 1] widths [8, 16]\n  head { global avgpool; fc 2 }\n}\n",
    );
    const r = resnetc(["check", "--json", p], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        code: "RN101",
        severity: "error",
        message: "unknown block type 'basci'",
        file: "typo.resnet",
        line: 3,
        column: 17,
        length: 5,
        hint: "did you mean 'basic'?",
      },
    ]);
  });

  it("several syntax errors are all reported (error recovery)", () => {
    const p = spec(
      "syntax.resnet",
      "model m {\n  input 8x8x3\n  stem { conv 3x3, 8 ]\n  head { fc 10 ) }\n}\n",
    );
    const r = resnetc(["check", p], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr.match(/error RN00\d/g)).toHaveLength(2);
    expect(r.stderr).toContain("syntax.resnet:3:22 - error RN001");
    // The stem's `]` should have been `}`: the stem is still open when `head` comes.
    expect(r.stderr).toContain("syntax.resnet:4:3 - error RN002: expected '}' but found 'head'");
  });

  it("several syntax errors of one file, each line's once, and nothing after them", () => {
    const p = spec(
      "junk.resnet",
      "model m {\n  input 8x8x3 8\n  32\n  stem { conv 3x3, 8; 4 }\n  head { global avgpool fc 2 }\n}\n",
    );
    const r = resnetc(["check", p], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(noStack(r)).toBe(true);
    expect(r.stderr).toBe(
      `junk.resnet:2:15 - error RN002: unexpected '8' at the end of the statement
  2 |   input 8x8x3 8
    |               ^
  hint: one statement per line; remove it, or separate statements with ';'
junk.resnet:3:3 - error RN002: unexpected '32': expected a model statement: input, shortcut, stem, variants, stages, stage, head or train
  3 |   32
    |   ^~
  hint: a statement starts with a name; is this number part of the line above?
junk.resnet:4:23 - error RN002: unexpected '4': expected a layer or setting name, or '}'
  4 |   stem { conv 3x3, 8; 4 }
    |                       ^
  hint: a statement starts with a name; is this number part of the line above?
Found 3 errors.
`,
    );
  });

  it("--model that names no model shows the file as given, relative to the working directory", () => {
    const r = resnetc(["check", "--model", "cifar", "examples/cifar/resnet.resnet"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error RN108: no model 'cifar' in examples/cifar/resnet.resnet\n  hint: models: cifar_resnet\nFound 1 error.\n",
    );
  });

  it("an unknown variant is reported with the ones that exist", () => {
    const r = resnetc(["check", "--variant", "51", "examples/imagenet/resnet.resnet"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error RN108: unknown variant '51'");
    expect(r.stderr).toContain("hint: did you mean '50'?");
  });
});

describe("resnetc table", () => {
  it("--json gives the stable keys and the paper's numbers", () => {
    const r = resnetc(["table", "--json", "examples/imagenet/resnet.resnet"]);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout) as { models: Record<string, unknown>[] };
    expect(t.models.map((m) => [m.variant, m.depth, m.params, m.multiplyAdds])).toEqual([
      ["18", 18, 11689512, 1814073344],
      ["34", 34, 21797672, 3663761408],
      ["50", 50, 25557032, 3857973248],
      ["101", 101, 44549160, 7570194432],
      ["152", 152, 60192808, 11282415616],
    ]);
    expect(t.models[2]).toMatchObject({
      name: "resnet",
      input: [224, 224, 3],
      stages: [
        { name: "conv1", blocks: 0, output: [112, 112, 64] },
        { name: "conv2", blocks: 3, output: [56, 56, 256] },
        { name: "conv3", blocks: 4, output: [28, 28, 512] },
        { name: "conv4", blocks: 6, output: [14, 14, 1024] },
        { name: "conv5", blocks: 3, output: [7, 7, 2048] },
      ],
    });
  });

  it("the text table shows Table 1's rows and the paper's FLOPs", () => {
    const r = resnetc(["table", "examples/imagenet/resnet.resnet"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^layer name\s+output size\s+resnet 18\s+resnet 34\s+resnet 50\s+resnet 101\s+resnet 152$/,
    );
    expect(r.stdout).toMatch(/^conv1\s+112x112\s+7x7, 64, stride 2/m);
    expect(r.stdout).toMatch(
      /^conv5_x\s+7x7\s+\[3x3, 512; 3x3, 512\] x 2\s+\[3x3, 512; 3x3, 512\] x 3\s+\[1x1, 512; 3x3, 512; 1x1, 2048\] x 3/m,
    );
    expect(r.stdout).toMatch(
      /^multiply-adds\s+1\.814e9 \(paper 1\.8e9\)\s+3\.664e9 \(paper 3\.6e9\)\s+3\.858e9 \(paper 3\.8e9\)\s+7\.570e9 \(paper 7\.6e9\)\s+11\.282e9 \(paper 11\.3e9\)$/m,
    );
    expect(r.stdout).toMatch(
      /^params\s+11,689,512\s+21,797,672\s+25,557,032\s+44,549,160\s+60,192,808$/m,
    );
  });
});

describe("resnetc summary", () => {
  it("shows each layer's shape, params, multiply-adds and source line", () => {
    const r = resnetc(["summary", "--variant", "20", "examples/cifar/resnet.resnet"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(
      "cifar_resnet 20: input 32x32x3, 20 weighted layers, 269,722 params (+1,376 BN statistics), 40,551,040 multiply-adds",
    );
    expect(r.stdout).toMatch(
      /^ {4}conv3_1_conv1\s+conv 3x3, 32, stride 2\s+16x16x32\s+4,608\s+1,179,648\s+prelude\.resnet:8$/m,
    );
    expect(r.stdout).toMatch(
      /^ {4}conv3_1_shortcut\s+shortcut A: subsample \/2, \+16 zero channels\s+16x16x32\s+-\s+-\s+resnet\.resnet:20$/m,
    );
    expect(r.stdout).toMatch(/^ {2}fc\s+fc 10\s+10\s+650\s+640\s+resnet\.resnet:24$/m);
  });
});
