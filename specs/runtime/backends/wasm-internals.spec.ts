// What resnetc's wasm kernels rely on, checked: the SIMD module loads on this machine and is the
// module measured (its sha256), its validation errors name the function and instruction, the
// tfjs-backend-wasm internals it reads are checked (a simulated mismatch makes every kernel fall
// back to the stock one, with one warning that `resnetc doctor` shows), RESNETC_WASM_SIMD=off
// sends the kernels to their fallbacks, and the route trace records nothing when it is off.

import * as tf from "@tensorflow/tfjs-core";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { doctor, renderDoctor } from "../../../runtime/backends/index.js";
import { packageVersion } from "../../../runtime/backends/packages.js";
import {
  wasmInternalsDifferences,
  wasmInternalsProblem,
} from "../../../runtime/kernels/wasm/internals.js";
import {
  routeTrace,
  startRouteTrace,
  stopRouteTrace,
} from "../../../runtime/kernels/wasm/route_trace.js";
import {
  F32X4_ADD,
  I32_ADD,
  opcodeNameAt,
  validationError,
  type FuncDef,
} from "../../../runtime/kernels/wasm/simd/assembler.js";
import {
  assembleSimdModule,
  wasmSimdFailure,
  wasmSimdLoaded,
} from "../../../runtime/kernels/wasm/simd_module.js";
import { initBackends, onWasm, randomValues } from "./helpers.js";

/** The SIMD module's sha256, as measured (the named-opcode rewrite kept every byte). */
const MODULE_SHA256 = "c77b214264fd69d522bc6ae08d62dae128117d04a2d75f24d4ee858160a4ace1";

type Backend = Record<string, unknown> & {
  readSync(id: tf.DataId): ArrayLike<number>;
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } | undefined };
};

let real: Backend;
const hasWasmKernel = (k: string) => tf.getKernel(k, "wasm") != null;

/** The real backend with some of its members replaced (the rest inherited). */
const altered = (members: Record<string, unknown>): Backend =>
  Object.create(
    real,
    Object.fromEntries(Object.entries(members).map(([k, value]) => [k, { value }])),
  ) as Backend;

describe("resnetc's SIMD module", () => {
  beforeAll(async () => {
    await initBackends();
    real = tf.findBackend("wasm") as unknown as Backend;
  });

  it("loads on this machine", () => {
    expect(wasmSimdLoaded()).toBe(true);
    expect(wasmSimdFailure()).toBeNull();
  });

  it("is the module measured: sha256 c77b2142...", () => {
    const sha = createHash("sha256").update(assembleSimdModule()).digest("hex");
    expect(sha).toBe(MODULE_SHA256);
  });

  it("names the function and the instruction when a module fails validation", () => {
    const ok: FuncDef = { name: "ok", params: 1, build: (b) => b.get(0).get(0).op(I32_ADD).set(0) };
    const broken: FuncDef = {
      name: "broken",
      params: 2,
      build: (b) => b.get(0).get(1).f32x4(F32X4_ADD).set(0), // i32 operands to f32x4.add
    };
    expect(validationError([ok])).toBeNull();
    const message = validationError([ok, broken]);
    expect(message).toMatch(
      /^resnetc's SIMD module is not valid WebAssembly: function 'broken' \(#1\), local\.get at byte 1 of its body: .*f32x4\.add/,
    );
  });

  it("reads opcodes back as their names", () => {
    const bytes = new Uint8Array([0x6a, 0xfd, 0xe4, 0x01, 0xfd, 0x0c, 0x99]);
    expect(opcodeNameAt(bytes, 0)).toBe("i32.add");
    expect(opcodeNameAt(bytes, 1)).toBe("f32x4.add");
    expect(opcodeNameAt(bytes, 4)).toBe("v128.const");
    expect(opcodeNameAt(bytes, 6)).toBe("opcode 0x99");
  });
});

describe("the @tensorflow/* packages", () => {
  it("are pinned to exact versions in package.json, the ones installed", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    const deps: Record<string, string> = { ...pkg.dependencies, ...pkg.optionalDependencies };
    const tfjs = Object.entries(deps).filter(([name]) => name.startsWith("@tensorflow/"));
    expect(tfjs.map(([name]) => name)).toContain("@tensorflow/tfjs-backend-wasm");
    for (const [name, version] of tfjs) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      const installed = packageVersion(name);
      if (installed != null) expect(installed, name).toBe(version);
    }
  });
});

describe("tfjs-backend-wasm's internals", () => {
  beforeAll(async () => {
    await initBackends();
    real = tf.findBackend("wasm") as unknown as Backend;
  });

  it("are what resnetc's kernels expect on the pinned version", () => {
    expect(wasmInternalsDifferences(real, hasWasmKernel)).toEqual([]);
  });

  it("name what differs", () => {
    const heap = real.wasm.HEAPF32;
    expect(wasmInternalsDifferences(altered({ dataIdMap: undefined }), hasWasmKernel)).toEqual([
      "backend.dataIdMap.get() is missing",
    ]);
    const copy = altered({ wasm: { ...real.wasm, HEAPF32: new Float32Array(heap.length) } });
    expect(wasmInternalsDifferences(copy, hasWasmKernel)).toEqual([
      "backend.wasm.HEAPF32 is not a view of that memory",
    ]);
    expect(wasmInternalsDifferences(real, (k) => k !== "Transpose")).toEqual([
      "kernel 'Transpose' is not registered for wasm",
    ]);
    // The probe's values not read back where memoryOffset said they were written.
    const elsewhere = altered({ readSync: () => new Float32Array(4) });
    expect(wasmInternalsDifferences(elsewhere, hasWasmKernel)).toEqual([
      "dataIdMap.get(dataId).memoryOffset does not locate the tensor's data in HEAPF32",
    ]);
    // A probe that throws is a difference too, not a crash.
    const throwing = altered({
      readSync: () => {
        throw new Error("no such data");
      },
    });
    expect(wasmInternalsDifferences(throwing, hasWasmKernel)).toEqual([
      "a new tensor's data could not be located on the heap (no such data)",
    ]);
    expect(wasmInternalsDifferences({}, hasWasmKernel)).toContain(
      "backend.wasm (the emscripten module) is missing",
    );
  });

  it("when they differ, every kernel runs the stock one, with one warning doctor shows", async () => {
    const warnings: Error[] = [];
    const listen = (w: Error) => warnings.push(w);
    process.on("warning", listen);
    try {
      // incRef is what resnetc's Identity reads and tfjs's stock kernels do not.
      const fake = altered({ incRef: undefined });
      const x = await onWasm(() => tf.tensor4d(randomValues(2 * 3 * 3 * 4, 5), [2, 3, 3, 4]));
      const run = (kernel: string, attrs: object) => {
        const out = tf.getKernel(kernel, "wasm")!.kernelFunc({
          inputs: { x },
          attrs: attrs as tf.NamedAttrMap,
          backend: fake as unknown as tf.KernelBackend,
        }) as tf.TensorInfo;
        const data = Array.from(real.readSync(out.dataId));
        (real.disposeData as (id: tf.DataId) => void).call(real, out.dataId);
        return data;
      };
      startRouteTrace();
      const tiled = run("Tile", { reps: [1, 1, 1, 2] });
      const same = run("Identity", {});
      run("Tile", { reps: [2, 1, 1, 1] });
      const routes = stopRouteTrace();
      expect(routes).toEqual({
        Tile: { "stock (internals differ)": 2 },
        Identity: { "stock (internals differ)": 1 },
      });
      const xs = Array.from(await onWasm(() => x.dataSync()));
      expect(same).toEqual(xs);
      expect(tiled.slice(0, 8)).toEqual([...xs.slice(0, 4), ...xs.slice(0, 4)]);
      x.dispose();
      await new Promise((r) => setImmediate(r));
      const ours = warnings.filter(
        (w) => (w as { code?: string }).code === "RESNETC_WASM_INTERNALS",
      );
      expect(ours.length).toBe(1);
      expect(ours[0].message).toBe(
        "@tensorflow/tfjs-backend-wasm 4.22.0 is not what resnetc's wasm kernels expect: " +
          "backend.incRef() is missing. They fall back to tfjs-backend-wasm's stock kernels " +
          "(slower); install the @tensorflow/* versions package.json pins.",
      );
      expect(wasmInternalsProblem()).toBe(ours[0].message);
    } finally {
      process.off("warning", listen);
    }
    const report = await doctor();
    expect(report.wasm.internals).toBe(wasmInternalsProblem());
    expect(renderDoctor(report)).toContain(`  internals   DIFFER: ${wasmInternalsProblem()}\n`);
  });
});

describe("RESNETC_WASM_SIMD=off", () => {
  it("sends the kernels to their fallbacks, and says so", async () => {
    const conv = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(randomValues(2 * 8 * 8 * 4, 6), [2, 8, 8, 4]);
        const w = tf.tensor4d(randomValues(3 * 3 * 4 * 8, 7), [3, 3, 4, 8]);
        return Array.from(tf.conv2d(x, w, 1, "same").dataSync());
      });
    startRouteTrace();
    const simd = await onWasm(conv);
    process.env.RESNETC_WASM_SIMD = "off";
    try {
      const fallback = await onWasm(conv);
      expect(wasmSimdFailure()).toBe("disabled by RESNETC_WASM_SIMD=off");
      expect(await onWasm(() => wasmSimdLoaded())).toBe(false);
      expect(stopRouteTrace().Conv2D).toEqual({ "winograd+fma": 1, xnnpack: 1 });
      fallback.forEach((v, i) => expect(Math.abs(v - simd[i])).toBeLessThan(1e-4));
    } finally {
      delete process.env.RESNETC_WASM_SIMD;
    }
    expect(await onWasm(() => wasmSimdLoaded())).toBe(true);
  });
});

describe("the route trace", () => {
  it("records nothing when off", async () => {
    stopRouteTrace();
    await onWasm(() => tf.tidy(() => tf.tile(tf.ones([2, 4]), [3, 1]).dataSync()));
    expect(routeTrace()).toEqual({});
    startRouteTrace();
    await onWasm(() => tf.tidy(() => tf.tile(tf.ones([2, 4]), [3, 1]).dataSync()));
    expect(routeTrace()).toEqual({ Tile: { "block copy": 1 } });
    stopRouteTrace();
  });
});
