// Padding rules, resolved to per-side amounts once, during shape inference. Targets read the
// explicit amounts and never apply a framework's rule of their own.
import type { Padding } from "../instance.js";
import type { Pads } from "./types.js";

/** TensorFlow's `same` along one axis: output ceil(x / s), the odd zero after (0 before, 1 after). */
export function sameAxis(x: number, k: number, s: number): [number, number] {
  const out = Math.ceil(x / s);
  const total = Math.max((out - 1) * s + k - x, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** TensorFlow's `same` padding of an h x w input. */
export function samePads(h: number, w: number, k: [number, number], s: number): Pads {
  const [top, bottom] = sameAxis(h, k[0], s);
  const [left, right] = sameAxis(w, k[1], s);
  return { top, bottom, left, right };
}

/** P on every side. */
export function uniformPads(p: number): Pads {
  return { top: p, bottom: p, left: p, right: p };
}

/**
 * The per-side padding a request means on an h x w input: `auto` pads (K-1)/2 on every side of an
 * odd window (Caffe, PyTorch) and falls back to `same` for an even one; `valid` pads nothing.
 */
export function resolvePads(
  req: Padding,
  h: number,
  w: number,
  k: [number, number],
  s: number,
): Pads {
  if (req === "valid") return uniformPads(0);
  if (typeof req === "number") return uniformPads(req);
  if (req === "auto" && k[0] % 2 === 1 && k[1] % 2 === 1)
    return {
      top: (k[0] - 1) / 2,
      bottom: (k[0] - 1) / 2,
      left: (k[1] - 1) / 2,
      right: (k[1] - 1) / 2,
    };
  return samePads(h, w, k, s);
}

/** The window a dilated kernel spans: (K-1)*D+1 along each axis. */
export function effectiveKernel(k: [number, number], d: number): [number, number] {
  return [(k[0] - 1) * d + 1, (k[1] - 1) * d + 1];
}

/** Output size of a window op: floor((x + before + after - k) / s) + 1. */
export function windowOutput(
  x: number,
  before: number,
  after: number,
  k: number,
  s: number,
): number {
  return Math.floor((x + before + after - k) / s) + 1;
}

/**
 * How summaries and diagrams mention padding: nothing for the default ((K-1)/2 around an odd
 * window, none around 1x1), ", valid" for none, ", pad P" when uniform, else ", pad T/B/L/R".
 */
export function padNote(k: [number, number], p: Pads): string {
  const sym = k[0] % 2 === 1 && k[1] % 2 === 1;
  if (
    sym &&
    p.top === (k[0] - 1) / 2 &&
    p.bottom === p.top &&
    p.left === (k[1] - 1) / 2 &&
    p.right === p.left
  )
    return "";
  const total = p.top + p.bottom + p.left + p.right;
  if (total === 0) return ", valid";
  if (p.top === p.bottom && p.left === p.right && p.top === p.left) return `, pad ${p.top}`;
  return `, pad ${p.top}/${p.bottom}/${p.left}/${p.right}`;
}
