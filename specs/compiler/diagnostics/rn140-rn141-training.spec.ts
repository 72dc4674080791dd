// The `train { ... }` section: RN140 (an impossible or malformed training value) and RN141 (an
// unknown training setting, or an unknown option of one).
import { describe, expect, it } from "vitest";
import { check, diagnose, expectClean } from "./helpers.js";

const SETTINGS =
  "settings: data, sgd, momentum, weight_decay, batch, epochs, lr, warmup, stop, augment, normalize, freeze";
const LR =
  "usage: lr X [, divide F at epochs [E1, E2, ...]] | [, divide F at iterations [I1, ...]]";
const AUGMENT = "usage: augment [pad P] [, random_crop S] [, flip horizontal] [, scale MIN..MAX]";

/** A model whose train section (from line 6) holds the given settings, one a line. */
function train(...settings: string[]): string {
  return [
    "model m {",
    "  input 32x32x3",
    "  stages conv2..conv3 basic x [1, 1] widths [16, 32]",
    "  head { global avgpool; fc 10 }",
    "  train {",
    ...settings.map((s) => "    " + s),
    "  }",
    "}",
    "",
  ].join("\n");
}

const paper = [
  'data "cifar10:cifar-10-batches-bin"',
  "sgd momentum 0.9, weight_decay 1e-4, nesterov",
  "batch 128",
  "lr 0.1, divide 10 at iterations [32000, 48000]",
  "warmup lr 0.01, iterations 400, until_error 0.8",
  "stop at iteration 64000",
  "epochs 200",
  "augment pad 4, random_crop 32, flip horizontal, scale 32..40",
  "normalize per_pixel_mean",
];

describe("RN140 impossible training value", () => {
  const cases: [string, string, object][] = [
    [
      "a learning rate that is not positive",
      "lr -0.1",
      { message: "learning rate must be greater than 0, got -0.1", col: 8 },
    ],
    [
      "a zero batch",
      "batch 0",
      { message: "batch size must be a positive whole number, got 0", col: 11 },
    ],
    [
      "a batch that is not whole",
      "batch 1.5",
      { message: "batch size must be a positive whole number, got 1.5", col: 11 },
    ],
    [
      "zero epochs",
      "epochs 0",
      { message: "epochs must be a positive whole number, got 0", col: 12 },
    ],
    [
      "a momentum of 1 or more",
      "sgd momentum 1.5",
      { message: "momentum must be in [0, 1), got 1.5", col: 18 },
    ],
    [
      "a negative weight decay",
      "weight_decay -1",
      { message: "weight_decay must be >= 0, got -1", col: 18 },
    ],
    [
      "a learning rate divided by 1",
      "lr 0.1, divide 1 at epochs [30]",
      {
        message: "the learning rate must be divided by more than 1, got 1",
        col: 20,
        hint: "the paper divides by 10",
      },
    ],
    [
      "milestones that do not increase",
      "lr 0.1, divide 10 at epochs [60, 30]",
      { message: "milestones must increase, got 30 after 60", col: 38 },
    ],
    [
      "a zero milestone",
      "lr 0.1, divide 10 at epochs [0, 30]",
      { message: "milestones must be positive whole numbers, got 0", col: 34 },
    ],
    [
      "a schedule in an unknown unit",
      "lr 0.1, divide 10 at weeks [3]",
      { message: "expected 'epochs' or 'iterations', got 'weeks'", col: 26, hint: LR },
    ],
    [
      "a schedule without 'at'",
      "lr 0.1, divide 10 epochs [30]",
      {
        message:
          "expected 'divide F at epochs [E1, E2, ...]' or 'divide F at iterations [I1, ...]'",
        col: 13,
        hint: LR,
      },
    ],
    ["lr without a value", "lr", { message: "lr needs a value, e.g. lr 0.1", col: 5, hint: LR }],
    [
      "a stop in an unknown unit",
      "stop at minute 5",
      {
        message: "expected 'iteration' or 'epoch'",
        col: 13,
        hint: "usage: stop at iteration N | stop at epoch N",
      },
    ],
    [
      "a zero stop",
      "stop at iteration 0",
      { message: "stop must be a positive whole number, got 0", col: 23 },
    ],
    [
      "a scale range that falls",
      "augment scale 480..256",
      { message: "scale must be whole sizes MIN..MAX with 1 <= MIN <= MAX, got 480..256", col: 19 },
    ],
    [
      "a scale that is not a range",
      "augment scale 256",
      { message: "write 'scale MIN..MAX', e.g. scale 256..480", col: 13, hint: AUGMENT },
    ],
    [
      "a vertical flip",
      "augment flip vertical",
      { message: "write 'flip horizontal' (or just 'flip')", col: 13, hint: AUGMENT },
    ],
    [
      "a negative padding",
      "augment pad -1",
      { message: "pad must be a whole number >= 0, got -1", col: 17 },
    ],
    [
      "an unknown normalisation",
      "normalize mean",
      {
        message: "normalize takes 'per_pixel_mean' or 'none'",
        col: 15,
        hint: "usage: normalize per_pixel_mean | none",
      },
    ],
    [
      "warmup without iterations",
      "warmup lr 0.01",
      {
        message: "warmup needs 'iterations N'",
        col: 5,
        hint: "usage: warmup lr X, iterations N [, until_error E]",
      },
    ],
    [
      "an until_error above 1",
      "warmup lr 0.01, iterations 400, until_error 2",
      { message: "until_error must be in [0, 1], got 2", col: 49 },
    ],
    [
      "a setting given two values",
      "batch 128, 256",
      { message: "expected: batch N", col: 11, hint: "usage: batch N" },
    ],
  ];

  for (const [what, setting, d] of cases) {
    it(`reports ${what}`, () => {
      expect(diagnose(train(setting))).toEqual([{ code: "RN140", line: 6, ...d }]);
    });
  }

  it("accepts the paper's CIFAR-10 recipe, and each setting at a boundary", () => {
    expectClean(train(...paper));
    expectClean(train("sgd momentum 0", "weight_decay 0", "augment pad 0", "normalize none"));
    expectClean(train("warmup lr 0.01, iterations 1, until_error 1", "stop at epoch 1"));
  });
});

describe("RN141 unknown training setting", () => {
  it("lists the settings when nothing is close", () => {
    expect(diagnose(train("batch 128", "optimizer adam"))).toEqual([
      {
        code: "RN141",
        message: "unknown training setting 'optimizer'",
        line: 7,
        col: 5,
        hint: SETTINGS,
      },
    ]);
  });

  it("suggests the setting that was meant", () => {
    expect(diagnose(train("epoch 90"))).toEqual([
      {
        code: "RN141",
        message: "unknown training setting 'epoch'",
        line: 6,
        col: 5,
        hint: "did you mean 'epochs'?",
      },
    ]);
  });

  it("suggests an option of a setting", () => {
    expect(diagnose(train("sgd momentm 0.9"))).toEqual([
      {
        code: "RN141",
        message: "'sgd' has no option 'momentm'",
        line: 6,
        col: 9,
        hint: "did you mean 'momentum'?",
      },
    ]);
  });

  it("shows a setting's usage when no option is close", () => {
    expect(diagnose(train("augment crop 32"))).toEqual([
      { code: "RN141", message: "'augment' has no option 'crop'", line: 6, col: 13, hint: AUGMENT },
    ]);
  });

  it("accepts the settings spelt right", () => {
    expectClean(train("epochs 90", "sgd momentum 0.9", "augment random_crop 32"));
  });
});

describe("freeze: stem groups and stages kept fixed while fine-tuning", () => {
  const FREEZE = "usage: freeze GROUP[..GROUP] [, GROUP...]   (e.g. freeze conv1..conv4)";
  it("names the groups, in the model's order", () => {
    // The model has conv2, conv3 and the head (no stem).
    expect(check(train("freeze conv2..conv3")).recipes.values().next().value?.freeze).toEqual([
      "conv2",
      "conv3",
    ]);
    expect(check(train("freeze conv3, conv2")).recipes.values().next().value?.freeze).toEqual([
      "conv2",
      "conv3",
    ]);
    expectClean(train("freeze conv2"));
  });
  it("RN140: a group the model does not have, a backwards range", () => {
    expect(diagnose(train("freeze conv2..conv9"))).toEqual([
      {
        code: "RN140",
        message: "freeze names no stem group or stage 'conv9' (groups: conv2, conv3)",
        line: 6,
        col: 19,
        hint: FREEZE,
      },
    ]);
    expect(diagnose(train("freeze conv1")).map((d) => d.message)).toEqual([
      "freeze names no stem group or stage 'conv1' (groups: conv2, conv3)",
    ]);
    expect(diagnose(train("freeze conv3..conv2")).map((d) => d.message)).toEqual([
      "this freeze range runs backwards",
    ]);
  });
});
