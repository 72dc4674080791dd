// resnetc's per-channel wasm kernels (Sum, Mean, broadcast Multiply/Add/Sub, FusedBatchNorm, over
// its own SIMD module) and its sharing Identity/Cast, against the cpu backend: ResNet shapes, odd
// shapes (C not a multiple of 4, rows left over), every axis pattern (the ones that fall back to
// tfjs-backend-wasm's kernels too), keepDims, and no heap left behind.

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { leadingSplit } from "../../../runtime/kernels/wasm/channel_ops.js";
import { assembleSimdModule, simdLoops } from "../../../runtime/kernels/wasm/simd_module.js";
import { startRouteTrace, stopRouteTrace } from "../../../runtime/kernels/wasm/route_trace.js";
import type { WasmModuleLike } from "../../../runtime/kernels/wasm/wasm_heap.js";
import {
  expectClose,
  expectNothingLeftOnWasm,
  initBackends,
  onCpuAndWasm,
  onWasm,
  randomValues,
  routesOf,
  size,
} from "./helpers.js";

const OURS = Symbol.for("resnetc.wasmKernel");

// A type (not an interface) so that tf.tidy accepts it as a TensorContainer.
type Result = {
  shape: number[];
  dtype: string;
  data: number[];
};
const result = (t: tf.Tensor): Result => ({
  shape: t.shape,
  dtype: t.dtype,
  data: Array.from(t.dataSync()),
});

function expectSame(wasm: Result, cpu: Result, label: string, rtol = 1e-5, atolScale = 1e-6) {
  expect(wasm.shape, `${label}: shape`).toEqual(cpu.shape);
  expect(wasm.dtype, `${label}: dtype`).toBe(cpu.dtype);
  expectClose(wasm.data, cpu.data, label, rtol, atolScale);
}

describe("resnetc's SIMD module", () => {
  beforeAll(initBackends);

  it("assembles to a valid module and binds to the wasm backend's heap", async () => {
    const bytes = assembleSimdModule();
    expect(bytes.length).toBeLessThan(16384); // a few KiB, compiled synchronously on first use
    const valid = (
      globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }
    ).WebAssembly.validate(bytes);
    expect(valid).toBe(true);
    const wasm = tf.findBackend("wasm") as unknown as { wasm: WasmModuleLike };
    expect(simdLoops(wasm.wasm)).not.toBeNull();
    for (const k of [
      "Sum",
      "Mean",
      "Multiply",
      "Add",
      "Sub",
      "RealDiv",
      "FusedBatchNorm",
      "Identity",
      "Cast",
    ]) {
      const config = tf.getKernel(k, "wasm") as unknown as Record<symbol, unknown> | undefined;
      expect(config?.[OURS], `${k} is resnetc's`).toBe(true);
    }
  });

  it("splits leading-axis reductions into rows and columns", () => {
    expect(leadingSplit([64, 32, 32, 16], [0, 1, 2])).toEqual([65536, 16]);
    expect(leadingSplit([64, 32, 32, 16], [0])).toEqual([64, 16384]);
    expect(leadingSplit([1, 1, 1, 16], [0, 1, 2])).toEqual([1, 16]);
    expect(leadingSplit([5, 1, 3], [0, 2])).toEqual([15, 1]);
    expect(leadingSplit([5, 2, 3], [0, 2])).toBeNull();
    expect(leadingSplit([4, 1, 3], [2])).toBeNull();
    expect(leadingSplit([1, 4, 3], [0, 1])).toEqual([4, 3]);
    expect(leadingSplit([4, 3, 1], [0, 2])).toEqual([4, 3]);
  });
});

/** Routes of resnetc's channel kernels (route_trace.ts); "stock": tfjs-backend-wasm's own. */
type Route = "column sums" | "row broadcast" | "stock";

const REDUCE_CASES: Array<{
  shape: number[];
  axis: number | number[];
  keepDims?: boolean;
  route: Route;
}> = [
  { shape: [64, 32, 32, 16], axis: [0, 1, 2], route: "column sums" },
  { shape: [64, 32, 32, 16], axis: [0, 1, 2], keepDims: true, route: "column sums" },
  { shape: [8, 16, 16, 32], axis: [0, 1, 2], route: "column sums" },
  { shape: [8, 8, 8, 64], axis: [0, 1, 2], keepDims: true, route: "column sums" },
  { shape: [2, 7, 7, 3], axis: [0, 1, 2], route: "column sums" },
  { shape: [3, 15, 15, 5], axis: [0, 1, 2], keepDims: true, route: "column sums" },
  { shape: [3, 15, 15, 6], axis: [0, 1, 2], route: "column sums" },
  { shape: [5, 10], axis: 0, route: "column sums" },
  { shape: [64, 10], axis: [0], keepDims: true, route: "column sums" },
  { shape: [7, 9, 8], axis: [0, 1], route: "column sums" },
  { shape: [4, 6, 8], axis: 0, route: "column sums" },
  { shape: [4, 6, 8], axis: [-3, -2], route: "column sums" },
  { shape: [1, 1, 1, 16], axis: [0, 1, 2], route: "column sums" },
  { shape: [1000], axis: 0, route: "column sums" }, // one column of 1000 rows
  { shape: [2, 7, 7, 3], axis: [1, 2], route: "stock" }, // not leading: the original kernel
  { shape: [2, 7, 7, 3], axis: -1, keepDims: true, route: "stock" },
  { shape: [2, 7, 7, 3], axis: [0, 3], route: "stock" },
  { shape: [2, 3], axis: [], route: "stock" },
  { shape: [0, 4], axis: 0, route: "column sums" }, // 0 (the original kernel leaves the output unset)
  { shape: [3, 0], axis: 0, route: "column sums" },
];

describe("wasm Sum and Mean match cpu", () => {
  for (const c of REDUCE_CASES) {
    const label = `${JSON.stringify(c.shape)} axis ${JSON.stringify(c.axis)}${c.keepDims ? " keepDims" : ""}`;
    it(label, async () => {
      // An offset makes cancellation-free sums large, where float32 accumulation would drift.
      const values = randomValues(size(c.shape), 11, 2).map((v) => v + 0.75);
      const { cpu, wasm, routes } = await onCpuAndWasm(() =>
        tf.tidy(() => {
          const x = tf.tensor(values, c.shape);
          return [tf.sum(x, c.axis, c.keepDims), tf.mean(x, c.axis, c.keepDims)].map(result);
        }),
      );
      expect(routesOf(routes, "Sum"), "Sum's route").toEqual({ [c.route]: 1 });
      expect(routesOf(routes, "Mean"), "Mean's route").toEqual({ [c.route]: 1 });
      expectSame(wasm[0], cpu[0], `sum ${label}`);
      expectSame(wasm[1], cpu[1], `mean ${label}`);
    });
  }

  it("int32 sums (the original kernel)", async () => {
    const { cpu, wasm, routes } = await onCpuAndWasm(() =>
      tf.tidy(() => {
        const x = tf.tensor(Int32Array.from(randomValues(2 * 5 * 4, 12, 100)), [2, 5, 4], "int32");
        return [tf.sum(x, [0, 1]), tf.sum(x, 2)].map(result);
      }),
    );
    expect(routesOf(routes, "Sum")).toEqual({ stock: 2 });
    expect(wasm).toEqual(cpu);
  });
});

const BINARY_CASES: Array<{ a: number[]; b: number[]; route: Route }> = [
  { a: [64, 32, 32, 16], b: [16], route: "row broadcast" },
  { a: [1, 1, 1, 16], b: [64, 32, 32, 16], route: "row broadcast" },
  { a: [8, 16, 16, 32], b: [1, 1, 1, 32], route: "row broadcast" },
  { a: [64], b: [4, 8, 8, 64], route: "row broadcast" },
  { a: [2, 7, 7, 3], b: [3], route: "row broadcast" },
  { a: [3], b: [2, 7, 7, 3], route: "row broadcast" },
  { a: [3, 15, 15, 5], b: [1, 1, 1, 5], route: "row broadcast" },
  { a: [3, 15, 15, 6], b: [6], route: "row broadcast" },
  { a: [7, 5], b: [5], route: "row broadcast" }, // 7 rows, groups of 4: 3 rows left over
  { a: [5], b: [7, 5], route: "row broadcast" },
  { a: [2, 6], b: [1, 6], route: "row broadcast" },
  { a: [4, 4], b: [4, 1], route: "stock" }, // a column, not a row: the original kernel
  { a: [2, 3, 4], b: [3, 4], route: "stock" }, // [3,4] is not a vector: the original kernel
  { a: [2, 3, 4], b: [], route: "row broadcast" }, // a scalar: 24 floats as 6 rows of 4
  { a: [], b: [64, 32, 32, 16], route: "row broadcast" },
  { a: [1, 1, 1, 1], b: [7, 5], route: "row broadcast" }, // 35 floats: 3 left over after the rows of 4
  { a: [3, 5], b: [1], route: "row broadcast" },
  { a: [7], b: [], route: "stock" }, // as many values as channels: the original kernel
  { a: [5, 8], b: [5, 8], route: "stock" },
  { a: [8], b: [8], route: "stock" },
];

describe("wasm Multiply, Add, Sub and RealDiv with a broadcast row or scalar match cpu", () => {
  for (const c of BINARY_CASES) {
    const label = `${JSON.stringify(c.a)} and ${JSON.stringify(c.b)}`;
    it(label, async () => {
      const av = randomValues(size(c.a), 21, 3);
      const bv = randomValues(size(c.b), 22, 3);
      const { cpu, wasm, routes } = await onCpuAndWasm(() =>
        tf.tidy(() => {
          const a = tf.tensor(av, c.a);
          const b = tf.tensor(bv, c.b);
          return [
            tf.mul(a, b),
            tf.add(a, b),
            tf.sub(a, b),
            tf.sub(b, a),
            tf.div(a, b),
            tf.div(b, a),
          ].map(result);
        }),
      );
      for (const [k, calls] of [
        ["Multiply", 1],
        ["Add", 1],
        ["Sub", 2],
        ["RealDiv", 2],
      ] as const) {
        expect(routesOf(routes, k), `${k}'s route`).toEqual({ [c.route]: calls });
      }
      // Single float32 operations: exactly the same results.
      ["mul", "add", "sub", "reversed sub", "div", "reversed div"].forEach((op, i) =>
        expectSame(wasm[i], cpu[i], `${op} ${label}`, 0, 0),
      );
    });
  }

  it("int32 operands (the original kernels)", async () => {
    const { cpu, wasm } = await onCpuAndWasm(() =>
      tf.tidy(() => {
        const a = tf.tensor(Int32Array.from(randomValues(24, 23, 50)), [2, 3, 4], "int32");
        const b = tf.tensor1d([1, -2, 3, 4], "int32");
        return [tf.mul(a, b), tf.add(a, b), tf.sub(b, a), tf.div(a, tf.scalar(2, "int32"))].map(
          result,
        );
      }),
    );
    expect(wasm).toEqual(cpu);
  });
});

const BN_CASES: Array<{ x: number[]; params: number[]; offset?: boolean; scale?: boolean }> = [
  { x: [64, 32, 32, 16], params: [16], offset: true, scale: true },
  { x: [8, 8, 8, 64], params: [1, 1, 1, 64], offset: true, scale: true },
  { x: [2, 7, 7, 3], params: [3], offset: true, scale: true },
  { x: [3, 15, 15, 5], params: [5], offset: false, scale: true },
  { x: [3, 15, 15, 6], params: [6], offset: true, scale: false },
  { x: [7, 5], params: [5] },
];

describe("wasm FusedBatchNorm matches cpu", () => {
  for (const c of BN_CASES) {
    const label = `${JSON.stringify(c.x)} params ${JSON.stringify(c.params)}${c.offset ? " offset" : ""}${c.scale ? " scale" : ""}`;
    it(label, async () => {
      const n = size(c.params);
      const xv = randomValues(size(c.x), 31, 4);
      const mv = randomValues(n, 32);
      const vv = randomValues(n, 33).map((v) => v * v + 0.1);
      const ov = randomValues(n, 34);
      const sv = randomValues(n, 35, 2);
      const { cpu, wasm, routes } = await onCpuAndWasm(() =>
        tf.tidy(() => {
          const p = (v: Float32Array) => tf.tensor(v, c.params);
          const y = tf.batchNorm(
            tf.tensor(xv, c.x),
            p(mv),
            p(vv),
            c.offset ? p(ov) : undefined,
            c.scale ? p(sv) : undefined,
            1e-3,
          );
          return result(y);
        }),
      );
      expect(routesOf(routes, "FusedBatchNorm"), "its route").toEqual({ affine: 1 });
      expectSame(wasm, cpu, label, 1e-5, 1e-6);
    });
  }

  it("batch norm's gradients (moments, broadcasts, sums) match cpu", async () => {
    const shape = [4, 9, 9, 12];
    const xv = randomValues(size(shape), 36, 2);
    const gv = randomValues(12, 37);
    const rv = randomValues(size(shape), 38);
    const { cpu, wasm, routes } = await onCpuAndWasm((): Result[] =>
      tf.tidy(() => {
        const x = tf.tensor(xv, shape);
        const gamma = tf.tensor1d(gv);
        const beta = tf.zeros([12]);
        const r = tf.tensor(rv, shape);
        const f = (...[a, g, b]: tf.Tensor[]): tf.Tensor => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, b, g, 1e-3), r));
        };
        return tf.grads(f)([x, gamma, beta]).map(result);
      }),
    );
    // The per-channel steps of batch norm and its gradient take the SIMD routes (the others are
    // same-shape operations, which stay stock).
    expect(routesOf(routes, "Mean")).toEqual({ "column sums": 2 });
    expect(routesOf(routes, "Sum")).toEqual({ "column sums": 6 });
    expect(routesOf(routes, "FusedBatchNorm")).toEqual({ affine: 1 });
    expect(routesOf(routes, "Sub")).toEqual({ "row broadcast": 2 });
    expect(routesOf(routes, "Multiply")["row broadcast"]).toBe(6);
    expect(routesOf(routes, "Tile")).toEqual({ "block copy": 4 });
    cpu.forEach((g, i) => expectSame(wasm[i], g, `gradient ${i}`, 1e-3, 1e-4));
  });
});

describe("wasm Identity and Cast share data", () => {
  it("clone and same-dtype cast give equal tensors that outlive their input", async () => {
    startRouteTrace();
    const out = await onWasm(() => {
      const x = tf.tensor([1.5, -2, 3], [3]);
      const c = tf.clone(x);
      const f = tf.cast(x, "float32");
      const i = tf.cast(x, "int32");
      x.dispose();
      const r = [c, f, i].map(result);
      tf.dispose([c, f, i]);
      return r;
    });
    const routes = stopRouteTrace();
    expect(routesOf(routes, "Identity")).toEqual({ shared: 1 });
    expect(routesOf(routes, "Cast")).toEqual({ shared: 1, stock: 1 });
    expect(out).toEqual([
      { shape: [3], dtype: "float32", data: [1.5, -2, 3] },
      { shape: [3], dtype: "float32", data: [1.5, -2, 3] },
      { shape: [3], dtype: "int32", data: [1, -2, 3] },
    ]);
  });
});

describe("the channel kernels leave nothing on the wasm heap", () => {
  it("same data ids and tensors before and after", async () => {
    await expectNothingLeftOnWasm(() =>
      tf.tidy(() => {
        const x = tf.tensor(randomValues(3 * 5 * 5 * 7, 41), [3, 5, 5, 7]);
        const v = tf.tensor1d(randomValues(7, 42));
        const y = tf.batchNorm(tf.sub(tf.mul(x, v), v), v, tf.square(v), v, v);
        tf.sum(tf.add(y, tf.clone(v)), [0, 1, 2]).dataSync();
        tf.mean(tf.cast(x, "float32"), [0, 1]).dataSync();
      }),
    );
  });
});
