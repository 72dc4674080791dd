// How diagnostics reach the user: every semantic error of a file in one run, one diagnostic per
// error however many variants have it, the text form (a code frame, like tsc) and the JSON form.
import { describe, expect, it } from "vitest";
import { diagnosticToJson, renderDiagnostic } from "../../../grammar/diagnostic.js";
import { SPEC, check, diagnose, expectClean, src } from "./helpers.js";

const SHORTCUTS =
  "shortcut is A (identity + zero padding), B (projection where the shape changes), " +
  "C (projection everywhere), D (average pool + projection where the shape changes), identity, or none (a plain network)";

describe("several errors in one file", () => {
  const text = src(
    "block wide(c, stride = 1) {",
    "  conv 3x3, c, strid stride",
    "  rleu",
    "}",
    "model m {",
    "  input 32x32x3",
    "  shortcut E",
    "  stem conv1 {",
    "    conv 3x3, 16",
    "  }",
    "  stages conv2..conv4 basik x [1, 1, 1] widths [16, 32, 64] strides [1, 2, 2]",
    "  head {",
    "    global avgpool",
    "    fc classes",
    "  }",
    "  train {",
    "    batch 0",
    "    optimiser sgd",
    "  }",
    "}",
  );

  it("reports every one of them, in source order", () => {
    expect(diagnose(text)).toEqual([
      {
        code: "RN105",
        message: "'conv' has no option 'strid'",
        line: 2,
        col: 16,
        hint: "did you mean 'stride'?",
      },
      {
        code: "RN104",
        message: "unknown layer 'rleu'",
        line: 3,
        col: 3,
        hint: "did you mean 'relu'?",
      },
      { code: "RN109", message: "unknown shortcut option 'E'", line: 7, col: 12, hint: SHORTCUTS },
      {
        code: "RN101",
        message: "unknown block type 'basik'",
        line: 11,
        col: 23,
        hint: "did you mean 'basic'?",
      },
      { code: "RN103", message: "unknown name 'classes'", line: 14, col: 8 },
      {
        code: "RN140",
        message: "batch size must be a positive whole number, got 0",
        line: 17,
        col: 11,
      },
      {
        code: "RN141",
        message: "unknown training setting 'optimiser'",
        line: 18,
        col: 5,
        hint: "settings: data, sgd, momentum, weight_decay, batch, epochs, lr, warmup, stop, augment, normalize, freeze",
      },
    ]);
    expect(check(text).ok).toBe(false);
  });

  it("accepts the file once each is fixed", () => {
    expectClean(
      text
        .replace("strid stride", "stride stride")
        .replace("rleu", "relu")
        .replace("shortcut E", "shortcut B")
        .replace("basik", "basic")
        .replace("fc classes", "fc 10")
        .replace("batch 0", "batch 128")
        .replace("    optimiser sgd", "    sgd momentum 0.9"),
    );
  });
});

describe("errors in several variants", () => {
  // Option A with widths from a binding: the `narrow` variant's first stage has fewer channels
  // than the stem, the others more.
  const text = src(
    "model cifar {",
    "  input 32x32x3",
    "  shortcut A",
    "  stem conv1 { conv 3x3, 16 }",
    "  variants {",
    "    narrow: w = 8",
    "    20: w = 16",
    "    wide: w = 32",
    "  }",
    "  stages conv2..conv4 basic x [3, 3, 3] widths [w, 2 * w, 4 * w] strides [1, 2, 2]",
    "  head { fc 10 }",
    "}",
  );

  it("names the one variant that has an error", () => {
    const oneBad = text.replace("head { fc 10 }", "head { global avgpool; fc 10 }");
    expect(diagnose(oneBad)).toEqual([
      {
        code: "RN204",
        message:
          "option A cannot reduce channels in conv2_1: 16 -> 8; zero padding only adds channels (variant narrow)",
        line: 10,
        col: 3,
        hint: "use `shortcut B` (a 1x1 projection) for this stage",
      },
    ]);
    // A file with an error hands out no graph, not even for the variants without one.
    const r = check(oneBad);
    expect(r.ok).toBe(false);
    expect(r.graphs).toEqual([]);
    expect(r.instances).toEqual([]);
  });

  it("reports an error shared by variants once, naming them in order; different messages stay apart", () => {
    expect(diagnose(text.replace("    narrow: w = 8\n", "    32: w = 16\n"))).toEqual([
      {
        code: "RN203",
        message: "fc needs a flat input, but gets a feature map of 8x8x64 (variants 32, 20)",
        line: 11,
        col: 10,
        hint: "put `global avgpool` (the paper) or `flatten` before it",
      },
      {
        code: "RN203",
        message: "fc needs a flat input, but gets a feature map of 8x8x128 (variant wide)",
        line: 11,
        col: 10,
        hint: "put `global avgpool` (the paper) or `flatten` before it",
      },
    ]);
  });

  it("accepts every variant once the errors are fixed", () => {
    const r = expectClean(
      text.replace("head { fc 10 }", "head { global avgpool; fc 10 }").replace("w = 8", "w = 16"),
    );
    expect(r.graphs.map((g) => g.variant)).toEqual(["narrow", "20", "wide"]);
  });
});

describe("the text form (renderDiagnostic)", () => {
  const cifar = src(
    "model cifar_resnet {",
    "  input 32x32x3",
    "  shortcut identity",
    "  stem conv1 {",
    "    conv 3x3, 16",
    "  }",
    "  variants {",
    "    20: n = 3",
    "    32: n = 5",
    "  }",
    "  stages conv2..conv4 basic x [n, n, n] widths [16, 32, 64] strides [1, 2, 2]",
    "  head {",
    "    global avgpool",
    "    fc 10",
    "  }",
    "}",
  );

  it("shows path:line:col, the code, the message, a code frame with the label, and the hint", () => {
    const r = check(cifar);
    const text = renderDiagnostic(r.diagnostics[0], {
      sources: r.program.sources,
      cwd: process.cwd(),
    });
    expect(text).toBe(
      [
        "spec.resnet:11:3 - error RN201: residual addition needs equal shapes, got 16x16x32 (block) + 32x32x16 (shortcut) in conv3_1 (variants 20, 32)",
        "  11 |   stages conv2..conv4 basic x [n, n, n] widths [16, 32, 64] strides [1, 2, 2]",
        "     |   ^~~~~~~~~~~~~~~~~~~ conv3 doubles the channels and halves the size, but the shortcut is identity",
        "  hint: use `shortcut A` (zero-padding, no parameters) or `shortcut B` (1x1 projection)",
      ].join("\n"),
    );
  });

  it("shows the full path outside the working directory, and no frame without the source", () => {
    const r = check(cifar);
    expect(renderDiagnostic(r.diagnostics[1], { sources: new Map(), cwd: "/elsewhere" })).toBe(
      [
        `${SPEC}:11:3 - error RN201: residual addition needs equal shapes, got 8x8x64 (block) + 16x16x32 (shortcut) in conv4_1 (variants 20, 32)`,
        "  hint: use `shortcut A` (zero-padding, no parameters) or `shortcut B` (1x1 projection)",
      ].join("\n"),
    );
  });

  it("underlines a one-character span with a caret, tabs shown as spaces", () => {
    const text = src("model m {", "\tinput 32x32x3 @", "}");
    const r = check(text);
    expect(
      renderDiagnostic(r.diagnostics[0], { sources: r.program.sources, cwd: process.cwd() }),
    ).toBe(
      [
        'spec.resnet:2:16 - error RN001: unexpected character "@"',
        "  2 |  input 32x32x3 @",
        "    |                ^",
      ].join("\n"),
    );
  });

  it("shows a diagnostic without a place (a selection) as the message and the hint", () => {
    const r = check(cifar.replace("identity", "A"), { variant: "56" });
    expect(r.diagnostics).toHaveLength(1);
    expect(renderDiagnostic(r.diagnostics[0], { sources: r.program.sources })).toBe(
      "error RN108: unknown variant '56'\n  hint: variants: 20, 32",
    );
  });

  it("colours the parts only when asked", () => {
    const r = check(cifar);
    const coloured = renderDiagnostic(r.diagnostics[0], {
      sources: r.program.sources,
      cwd: process.cwd(),
      color: true,
    });
    expect(coloured).toContain("\x1b[31merror\x1b[0m \x1b[90mRN201\x1b[0m:");
    expect(coloured.replace(/\x1b\[\d+m/g, "")).toBe(
      renderDiagnostic(r.diagnostics[0], { sources: r.program.sources, cwd: process.cwd() }),
    );
  });
});

describe("the JSON form (--json)", () => {
  it("gives code, severity, message, file, 1-based line and column, length and hint", () => {
    const r = check(
      src(
        "model m {",
        "  input 32x32x3",
        "  shortcut E",
        "  stage conv2: basic(16) x 1",
        "  head { global avgpool; fc classes }",
        "}",
      ),
    );
    expect(r.diagnostics.map((d) => diagnosticToJson(d, process.cwd()))).toEqual([
      {
        code: "RN109",
        severity: "error",
        message: "unknown shortcut option 'E'",
        file: "spec.resnet",
        line: 3,
        column: 12,
        length: 1,
        hint: SHORTCUTS,
      },
      {
        code: "RN103",
        severity: "error",
        message: "unknown name 'classes'",
        file: "spec.resnet",
        line: 5,
        column: 29,
        length: 7,
      },
    ]);
  });

  it("leaves out the hint when there is none, and gives nulls without a place", () => {
    const r = check(src("model m {", "  input 32x32x3 @", "}"));
    expect(diagnosticToJson(r.diagnostics[0], process.cwd())).toEqual({
      code: "RN001",
      severity: "error",
      message: 'unexpected character "@"',
      file: "spec.resnet",
      line: 2,
      column: 17,
      length: 1,
    });
    const sel = check(
      src(
        "model m {",
        "  input 32x32x3",
        "  stage conv2: basic(16) x 1",
        "  head { global avgpool; fc 10 }",
        "}",
      ),
      { model: "vgg" },
    );
    expect(diagnosticToJson(sel.diagnostics[0])).toMatchObject({
      code: "RN108",
      file: null,
      line: null,
      column: null,
      length: null,
      hint: "models: m",
    });
  });
});
