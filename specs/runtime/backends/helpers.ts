// Shared by the backend/kernel specs: seeded data, running one function on cpu and on wasm, and
// float comparison with a tolerance relative to each tensor's scale.

import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";
import { selectBackend } from "../../../runtime/backends/index.js";
import { Rng } from "../../../runtime/rng.js";

/** Uniform values in [-scale, scale), the same for a given seed on every run. */
export function randomValues(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}

let ready = false;

/** Initialises both backends once (wasm with resnetc's kernels), leaving cpu active. */
export async function initBackends(): Promise<void> {
  if (!ready) {
    await selectBackend("wasm");
    await selectBackend("cpu");
    ready = true;
  }
  await tf.setBackend("cpu");
}

/** Runs `f` on cpu and then on wasm; f must return plain arrays (read inside f). */
export async function onCpuAndWasm<T>(f: () => T): Promise<{ cpu: T; wasm: T }> {
  await initBackends();
  await tf.setBackend("cpu");
  const cpu = f();
  await tf.setBackend("wasm");
  try {
    return { cpu, wasm: f() };
  } finally {
    await tf.setBackend("cpu");
  }
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Every element within rtol of the reference, plus an absolute slack of atolScale times the
 * reference's largest magnitude (sums of many float32 products cancel to near zero, where a
 * relative test alone would fail on rounding), and never less than absFloor (for tensors that are
 * zero up to rounding, like the gradient of a conv bias feeding batch norm).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  rtol = 1e-3,
  atolScale = 1e-4,
  absFloor = 0,
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const atol = Math.max(atolScale * maxAbs(expected), absFloor);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
        `(rtol ${rtol}, atol ${atol.toExponential(2)})`,
    );
  }
}
