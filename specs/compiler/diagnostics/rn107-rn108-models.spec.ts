// RN107 (an unknown parent model in `extends`, a model that extends itself) and RN108 (a
// --model / --variant selection that names nothing: checkFile's selection argument).
import { describe, expect, it } from "vitest";
import { check, diagnose, expectClean, src } from "./helpers.js";

const good = src(
  "model resnet {",
  "  input 32x32x3",
  "  variants {",
  "    18: basic x [2, 2]",
  "    34: basic x [3, 4]",
  "  }",
  "  stages conv2..conv3 widths [16, 32]",
  "  head { global avgpool; fc 10 }",
  "}",
  "model resnet_a extends resnet {",
  "  shortcut A",
  "}",
);

describe("RN107 unknown parent model", () => {
  it("suggests a model of the file", () => {
    const text = good.replace("extends resnet", "extends resnte");
    expect(diagnose(text)).toEqual([
      {
        code: "RN107",
        message: "unknown model 'resnte' in extends",
        line: 10,
        col: 24,
        hint: "did you mean 'resnet'?",
      },
    ]);
  });

  it("says where parents come from when no name is close", () => {
    const text = good.replace("extends resnet", "extends imagenet_base");
    expect(diagnose(text)).toEqual([
      {
        code: "RN107",
        message: "unknown model 'imagenet_base' in extends",
        line: 10,
        col: 24,
        hint: "the parent must be defined in this file or in a file it uses",
      },
    ]);
  });

  it("reports a model that extends itself", () => {
    const text = good.replace("model resnet_a extends resnet", "model resnet_a extends resnet_a");
    expect(diagnose(text)).toEqual([
      {
        code: "RN107",
        message: "model 'resnet_a' extends itself: resnet_a -> resnet_a",
        line: 10,
        col: 24,
      },
    ]);
  });

  it("reports each model of a cycle with the cycle from it", () => {
    const text = src(
      "model a extends b {",
      "  input 32x32x3",
      "}",
      "model b extends a {",
      "  stages conv2..conv3 basic x [1, 1] widths [16, 32]",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text)).toEqual([
      { code: "RN107", message: "model 'a' extends itself: a -> b -> a", line: 1, col: 17 },
      { code: "RN107", message: "model 'b' extends itself: b -> a -> b", line: 4, col: 17 },
    ]);
  });

  it("accepts a known parent", () => {
    const r = expectClean(good);
    expect(r.graphs.map((g) => `${g.name}-${g.variant}`)).toEqual([
      "resnet-18",
      "resnet-34",
      "resnet_a-18",
      "resnet_a-34",
    ]);
  });
});

describe("RN108 unknown selection", () => {
  it("suggests the model that was meant (no position: the selection is not in the file)", () => {
    const r = check(good, { model: "resnet_b" });
    expect(r.diagnostics).toHaveLength(1);
    const [d] = r.diagnostics;
    expect(d.code).toBe("RN108");
    expect(d.span).toBeNull();
    // The file is named by its path relative to the working directory (SPEC lies in it).
    expect(d.message).toBe("no model 'resnet_b' in spec.resnet");
    expect(d.hint).toBe("did you mean 'resnet_a'?");
  });

  it("lists the models when no name is close", () => {
    expect(diagnose(good, { model: "vgg" })).toEqual([
      { code: "RN108", message: "no model 'vgg' in spec.resnet", hint: "models: resnet, resnet_a" },
    ]);
  });

  it("names a file outside the working directory by its full path", () => {
    const path = "/elsewhere/spec.resnet";
    expect(check(good, { model: "vgg" }, path).diagnostics[0].message).toBe(
      `no model 'vgg' in ${path}`,
    );
  });

  it("lists the variants of an unknown variant", () => {
    expect(diagnose(good, { variant: "50" })).toEqual([
      { code: "RN108", message: "unknown variant '50'", hint: "variants: 18, 34" },
    ]);
  });

  it("suggests a close variant", () => {
    expect(diagnose(good, { model: "resnet", variant: "43" })).toEqual([
      { code: "RN108", message: "unknown variant '43'", hint: "did you mean '34'?" },
    ]);
  });

  it("says when the models have no variants at all", () => {
    const text = src(
      "model m {",
      "  input 32x32x3",
      "  stage conv2: basic(16) x 1",
      "  head { global avgpool; fc 10 }",
      "}",
    );
    expect(diagnose(text, { variant: "18" })).toEqual([
      {
        code: "RN108",
        message: "unknown variant '18'",
        hint: "this file's models have no variants",
      },
    ]);
  });

  it("checks only what a valid selection names", () => {
    const r = expectClean(good, { model: "resnet_a", variant: "34" });
    expect(r.graphs.map((g) => `${g.name}-${g.variant}`)).toEqual(["resnet_a-34"]);
    expect(expectClean(good, { variant: "18" }).graphs).toHaveLength(2);
  });
});
