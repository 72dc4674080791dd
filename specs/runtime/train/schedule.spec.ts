import { describe, expect, it } from "vitest";

import { DEFAULT_RECIPE } from "../../../compiler/recipe.js";
import { LrSchedule, stepLr } from "../../../runtime/train/schedule.js";

const base = { lr: 0.1, warmup: null, schedule: DEFAULT_RECIPE.schedule };

describe("learning-rate schedule", () => {
  it("divides at milestones counted in iterations", () => {
    const r = {
      ...base,
      schedule: { milestones: [32000, 48000], factor: 0.1, unit: "iteration" as const },
    };
    expect(stepLr(r, 0, 391)).toBeCloseTo(0.1, 12);
    expect(stepLr(r, 31999, 391)).toBeCloseTo(0.1, 12);
    expect(stepLr(r, 32000, 391)).toBeCloseTo(0.01, 12);
    expect(stepLr(r, 47999, 391)).toBeCloseTo(0.01, 12);
    expect(stepLr(r, 48000, 391)).toBeCloseTo(0.001, 12);
    expect(stepLr(r, 64000, 391)).toBeCloseTo(0.001, 12);
  });

  it("divides at milestones counted in epochs, from the first step of the milestone epoch", () => {
    const r = { ...base, schedule: { milestones: [2, 4], factor: 0.5, unit: "epoch" as const } };
    const ipe = 10;
    expect(stepLr(r, 0, ipe)).toBe(0.1);
    expect(stepLr(r, 19, ipe)).toBe(0.1); // last step of epoch 2 (epoch index 1)
    expect(stepLr(r, 20, ipe)).toBe(0.05); // first step after 2 epochs
    expect(stepLr(r, 39, ipe)).toBe(0.05);
    expect(stepLr(r, 40, ipe)).toBe(0.025);
  });

  it("warms up for at most warmup.iterations", () => {
    const r = { ...base, warmup: { lr: 0.01, iterations: 5 } };
    const s = new LrSchedule(r, 100);
    const lrs: number[] = [];
    const notes: (string | null)[] = [];
    for (let i = 0; i < 7; i++) {
      lrs.push(s.lrAt(i));
      notes.push(s.observe(i, 0.9));
    }
    expect(lrs).toEqual([0.01, 0.01, 0.01, 0.01, 0.01, 0.1, 0.1]);
    expect(notes.slice(0, 4)).toEqual([null, null, null, null]);
    expect(notes[4]).toMatch(/warm-up ended after 5 iterations/);
    expect(s.getState()).toMatchObject({ done: true, endedAt: 5 });
  });

  it("ends the warm-up early once the running train error is below untilTrainError", () => {
    const r = { ...base, warmup: { lr: 0.01, iterations: 1000, untilTrainError: 0.8 } };
    const s = new LrSchedule(r, 100, { window: 4 });
    // Errors 0.9 x4 (running 0.9), then 0.5: windows [0.9,0.9,0.9,0.5] = 0.8 (not below), then
    // [0.9,0.9,0.5,0.5] = 0.7 < 0.8 -> ends after step 5 (iteration index 5), so step 6 runs at 0.1.
    const errs = [0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5];
    const lrs: number[] = [];
    let endedBy: string | null = null;
    errs.forEach((e, i) => {
      lrs.push(s.lrAt(i));
      endedBy = s.observe(i, e) ?? endedBy;
    });
    expect(lrs).toEqual([0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.1]);
    expect(endedBy).toMatch(/warm-up ended after 6 iterations: running train error 70.0% < 80.0%/);
    expect(s.getState().endedAt).toBe(6);
  });

  it("needs a full window before ending early, and its state round-trips", () => {
    const r = { ...base, warmup: { lr: 0.01, iterations: 1000, untilTrainError: 0.8 } };
    const s = new LrSchedule(r, 100, { window: 3 });
    s.observe(0, 0);
    s.observe(1, 0);
    expect(s.lrAt(2)).toBe(0.01);
    const copy = new LrSchedule(r, 100, { window: 3 });
    copy.setState(s.getState());
    expect(copy.observe(2, 0)).toMatch(/warm-up ended after 3 iterations/);
    expect(copy.lrAt(3)).toBe(0.1);
    expect(s.lrAt(3)).toBe(0.01); // the original is independent of the copy
  });

  it("goes back to the step schedule after the warm-up (paper: 0.01 then 0.1, /10 at 32k and 48k)", () => {
    const r = {
      lr: 0.1,
      warmup: { lr: 0.01, iterations: 400 },
      schedule: { milestones: [32000, 48000], factor: 0.1, unit: "iteration" as const },
    };
    const s = new LrSchedule(r, 391);
    expect(s.lrAt(0)).toBe(0.01);
    expect(s.lrAt(399)).toBe(0.01);
    expect(s.lrAt(400)).toBe(0.1);
    expect(s.lrAt(32000)).toBeCloseTo(0.01, 12);
    expect(s.lrAt(48000)).toBeCloseTo(0.001, 12);
  });
});
