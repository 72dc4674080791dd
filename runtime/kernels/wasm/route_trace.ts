// Which route each call of a resnetc wasm kernel took (the direct SIMD loops, Winograd, the
// strided input gradient's phases, column sums, ... or the stock tfjs-backend-wasm kernel it
// falls back to), so that the specs can tell a SIMD route from a fallback that gives the same
// numbers. Off by default: then a trace is one null check per kernel call.
//
//   startRouteTrace();  ...run kernels...  const routes = stopRouteTrace();
//   routes["Conv2D"]   // { winograd: 2, xnnpack: 1 }: calls per route

/** Calls per route, per kernel name. */
export type RouteCounts = Record<string, Record<string, number>>;

let counts: RouteCounts | null = null;

/** Records that `kernel` took `route` (a no-op unless a trace is running). */
export function traceRoute(kernel: string, route: string): void {
  if (counts === null) return;
  const perKernel = (counts[kernel] ??= {});
  perKernel[route] = (perKernel[route] ?? 0) + 1;
}

/** Starts (or restarts, from nothing) recording routes. */
export function startRouteTrace(): void {
  counts = {};
}

/** The routes recorded since startRouteTrace, without stopping. */
export function routeTrace(): RouteCounts {
  return structuredClone(counts ?? {});
}

/** Stops recording and returns what was recorded. */
export function stopRouteTrace(): RouteCounts {
  const out = counts ?? {};
  counts = null;
  return out;
}
