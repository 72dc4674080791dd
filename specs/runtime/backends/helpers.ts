// Shared by the backend/kernel specs: seeded data, running one function on cpu and on wasm, and
// float comparison with a tolerance relative to each tensor's scale.

import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";
import { selectBackend } from "../../../runtime/backends/index.js";
import {
  startRouteTrace,
  stopRouteTrace,
  type RouteCounts,
} from "../../../runtime/kernels/wasm/route_trace.js";
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

/**
 * Runs `f` on cpu and then on wasm; f must return plain arrays (read inside f). `routes`: the
 * routes resnetc's wasm kernels took on wasm (route_trace.ts).
 */
export async function onCpuAndWasm<T>(
  f: () => T,
): Promise<{ cpu: T; wasm: T; routes: RouteCounts }> {
  await initBackends();
  await tf.setBackend("cpu");
  const cpu = f();
  await tf.setBackend("wasm");
  startRouteTrace();
  try {
    const wasm = f();
    return { cpu, wasm, routes: stopRouteTrace() };
  } finally {
    stopRouteTrace();
    await tf.setBackend("cpu");
  }
}

/** The routes `kernel` took, in a trace: route -> calls. */
export const routesOf = (routes: RouteCounts, kernel: string) => routes[kernel] ?? {};

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

/** The number of elements of a shape. */
export const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Runs `f` on wasm (with resnetc's kernels), then switches back to cpu. */
export async function onWasm<T>(f: () => T): Promise<T> {
  await initBackends();
  await tf.setBackend("wasm");
  try {
    return f();
  } finally {
    await tf.setBackend("cpu");
  }
}

/**
 * On wasm: runs warmUp (XNNPACK operators and the heap reach their steady size), then `again`,
 * and expects as many wasm data ids and tfjs tensors after `again` as before: every intermediate
 * freed.
 */
export async function expectNothingLeftOnWasm(
  warmUp: () => void,
  again: () => void = warmUp,
): Promise<void> {
  await onWasm(() => {
    warmUp();
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    again();
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
  });
}

/** A convolution's padding, as tf.conv2d takes it. */
export type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding;

/** An explicit NHWC padding: t/b rows above/below, l/r columns left/right. */
export const explicit = (t: number, b: number, l: number, r: number): Pad => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

/** A convolution case of the direct-route specs: x and filter shapes, strides, padding. */
export interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}
