// The fused batch norm (+ residual add) (+ ReLU) kernels for the wasm backend, and the gradient
// that ties them together (the contract: compiler/targets/tfjs/fused-kernels.ts):
//
//   ResnetcBatchNormAct      x, gamma, beta[, residual] -> y, mean, variance (batch statistics)
//   ResnetcBatchNormActGrad  dy, x, gamma, y, mean, variance -> dx, dgamma, dbeta[, dresidual]
//
// Routes (route_trace.ts), the same for both:
//   "simd"                  C % 4 == 0: two passes over x forward (shifted sums, bn_loops.ts's
//                           bnStats, then bnApply*), two backward (bnGradSums*, bnGradDx*), in
//                           resnetc's batch norm module (bn_module.ts); per-block float32 partial
//                           sums added up in float64 here
//   "js"                    C % 4 != 0, an empty batch, or no SIMD module: batchnorm_js.ts's loops,
//                           on copies of the inputs
//   "js (internals differ)" tfjs-backend-wasm's internals are not what resnetc reads: the same
//                           JS loops, reading through readSync only

import * as tf from "@tensorflow/tfjs-core";
import {
  BATCH_NORM_ACT_GRAD_KERNEL,
  BATCH_NORM_ACT_KERNEL,
  type BatchNormActAttrs,
} from "../../../compiler/targets/tfjs/fused-kernels.js";
import { bnBackwardJs, bnForwardJs } from "./batchnorm_js.js";
import { bnLoops, type BnLoops } from "./bn_module.js";
import { internalsOk, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import { asWasmBackend, index32, offsetOf, release, type WasmBackendLike } from "./wasm_heap.js";

/** Rows summed in float32 (per channel) before the partial sums are added in float64. */
const BLOCK_ROWS = 256;

type Route = "simd" | "js" | "js (internals differ)";

/** The channel count of x, after checking the shapes the kernel takes (throws otherwise). */
function channels(kernel: string, x: tf.TensorInfo, vectors: tf.TensorInfo[]): number {
  const C = x.shape.length > 0 ? x.shape[x.shape.length - 1] : 0;
  if (x.dtype !== "float32") throw new Error(`${kernel}: x must be float32, not ${x.dtype}`);
  for (const v of vectors) {
    if (tf.util.sizeFromShape(v.shape) !== C) {
      throw new Error(`${kernel}: a parameter of shape [${v.shape}] for ${C} channels`);
    }
  }
  return C;
}

/** The route for x of C channels on this backend, and the SIMD loops when it is "simd". */
function routeOf(backend: unknown, x: tf.TensorInfo, C: number): [Route, BnLoops | null] {
  if (!internalsOk(backend)) return ["js (internals differ)", null];
  const rows = C > 0 ? tf.util.sizeFromShape(x.shape) / C : 0;
  const loops = C % 4 === 0 && rows > 0 ? bnLoops(asWasmBackend(backend).wasm) : null;
  return loops == null ? ["js", null] : ["simd", loops];
}

const read = (b: WasmBackendLike, t: tf.TensorInfo) => b.readSync(t.dataId) as Float32Array;
const output = (b: WasmBackendLike, shape: number[], values: Float32Array) =>
  b.makeOutput(shape, "float32", undefined, values);

/** Per-channel float64 totals of the two rows per block the reduction loops write at `t`. */
function foldBlocks(b: WasmBackendLike, t: tf.TensorInfo, C: number): [Float64Array, Float64Array] {
  const heap = b.wasm.HEAPF32;
  const at = index32(b, t);
  const blocks = tf.util.sizeFromShape(t.shape) / (2 * C);
  const first = new Float64Array(C);
  const second = new Float64Array(C);
  for (let k = 0; k < blocks; k++) {
    const row = at + 2 * k * C;
    for (let c = 0; c < C; c++) {
      first[c] += heap[row + c];
      second[c] += heap[row + C + c];
    }
  }
  return [first, second];
}

/**
 * Per-channel parameter rows on the heap as the loops read them: for each group of 4 channels,
 * the group's 4 values of each row in turn (C % 4 == 0).
 */
function paramRows(b: WasmBackendLike, rows: ArrayLike<number>[], C: number): tf.TensorInfo {
  const values = new Float32Array(rows.length * C);
  let at = 0;
  for (let j = 0; j < C; j += 4) {
    for (const r of rows) for (let t = 0; t < 4; t++) values[at++] = r[j + t];
  }
  return output(b, [rows.length, C], values);
}

function forwardSimd(
  b: WasmBackendLike,
  loops: BnLoops,
  inputs: Record<string, tf.TensorInfo>,
  C: number,
  attrs: BatchNormActAttrs,
): tf.TensorInfo[] {
  const { x, gamma, beta, residual } = inputs;
  const rows = tf.util.sizeFromShape(x.shape) / C;
  const sums = b.makeOutput([2 * Math.ceil(rows / BLOCK_ROWS), C], "float32");
  const xAt = offsetOf(b, x);
  // Shifted by x's first row: sums of d = x - x[0] and of d*d.
  loops.bnStats(xAt, rows, 4 * C, BLOCK_ROWS, xAt, offsetOf(b, sums));
  const [s1, s2] = foldBlocks(b, sums, C);
  const shift = b.wasm.HEAPF32.subarray(index32(b, x), index32(b, x) + C);
  const mean = s1.map((s, c) => shift[c] + s / rows);
  const variance = s2.map((s, c) => Math.max(0, s / rows - (s1[c] / rows) ** 2));
  release(b, sums);
  const m = Float32Array.from(mean);
  const [g, be] = [read(b, gamma), read(b, beta)];
  const k = Array.from(g, (gc, c) => gc / Math.sqrt(variance[c] + attrs.epsilon));
  const params = paramRows(b, [m, k, be], C);
  const y = b.makeOutput(x.shape, "float32");
  const [xo, po, yo] = [offsetOf(b, x), offsetOf(b, params), offsetOf(b, y)];
  if (residual != null) {
    const apply = attrs.relu ? loops.bnApplyResRelu : loops.bnApplyRes;
    apply(xo, rows, 4 * C, po, yo, offsetOf(b, residual));
  } else {
    (attrs.relu ? loops.bnApplyRelu : loops.bnApply)(xo, rows, 4 * C, po, yo);
  }
  release(b, params);
  return [y, output(b, [C], m), output(b, [C], Float32Array.from(variance))];
}

function forwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const b = asWasmBackend(args.backend);
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as unknown as BatchNormActAttrs;
  const { x, gamma, beta, residual } = inputs;
  const C = channels(BATCH_NORM_ACT_KERNEL, x, [gamma, beta]);
  if (attrs.hasResidual !== (residual != null)) {
    throw new Error(
      `${BATCH_NORM_ACT_KERNEL}: hasResidual is ${attrs.hasResidual} but residual is ${residual == null ? "absent" : "given"}`,
    );
  }
  if (residual != null && !tf.util.arraysEqual(residual.shape, x.shape)) {
    throw new Error(
      `${BATCH_NORM_ACT_KERNEL}: residual [${residual.shape}] is not x's [${x.shape}]`,
    );
  }
  const [route, loops] = routeOf(b, x, C);
  traceRoute(BATCH_NORM_ACT_KERNEL, route);
  if (loops != null) return forwardSimd(b, loops, inputs, C, attrs);
  const r = bnForwardJs(
    read(b, x),
    read(b, gamma),
    read(b, beta),
    residual == null ? null : read(b, residual),
    attrs.epsilon,
    attrs.relu,
  );
  return [output(b, x.shape, r.y), output(b, [C], r.mean), output(b, [C], r.variance)];
}

function backwardSimd(
  b: WasmBackendLike,
  loops: BnLoops,
  inputs: Record<string, tf.TensorInfo>,
  C: number,
  attrs: BatchNormActAttrs,
): tf.TensorInfo[] {
  const { dy, x, gamma, y, mean, variance } = inputs;
  const rows = tf.util.sizeFromShape(x.shape) / C;
  const at = (t: tf.TensorInfo) => offsetOf(b, t);
  const sums = b.makeOutput([2 * Math.ceil(rows / BLOCK_ROWS), C], "float32");
  const gradSums = attrs.relu ? loops.bnGradSumsRelu : loops.bnGradSums;
  gradSums(at(dy), at(x), at(y), rows, 4 * C, BLOCK_ROWS, at(mean), at(sums));
  const [dbeta, sgx] = foldBlocks(b, sums, C);
  release(b, sums);
  const [g, v] = [read(b, gamma), read(b, variance)];
  const invstd = Array.from(v, (vc) => 1 / Math.sqrt(vc + attrs.epsilon));
  const dgamma = sgx.map((s, c) => s * invstd[c]);
  const k = invstd.map((s, c) => g[c] * s);
  const kb = k.map((kc, c) => (kc * dbeta[c]) / rows);
  const kc = k.map((kk, c) => (kk * invstd[c] * dgamma[c]) / rows);
  const params = paramRows(b, [read(b, mean), k, kb, kc], C);
  const dx = b.makeOutput(x.shape, "float32");
  const dres = attrs.hasResidual ? b.makeOutput(x.shape, "float32") : null;
  const args = [at(dy), at(x), at(y), rows, 4 * C, at(params), at(dx)] as const;
  if (dres != null) (attrs.relu ? loops.bnGradDxResRelu : loops.bnGradDxRes)(...args, at(dres));
  else (attrs.relu ? loops.bnGradDxRelu : loops.bnGradDx)(...args);
  release(b, params);
  const outs = [dx, output(b, gamma.shape, Float32Array.from(dgamma))];
  outs.push(output(b, gamma.shape, Float32Array.from(dbeta)));
  return dres == null ? outs : [...outs, dres];
}

function backwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const b = asWasmBackend(args.backend);
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as unknown as BatchNormActAttrs;
  const { dy, x, gamma, y, mean, variance } = inputs;
  const C = channels(BATCH_NORM_ACT_GRAD_KERNEL, x, [gamma, mean, variance]);
  for (const t of [dy, y]) {
    if (!tf.util.arraysEqual(t.shape, x.shape)) {
      throw new Error(`${BATCH_NORM_ACT_GRAD_KERNEL}: [${t.shape}] is not x's shape [${x.shape}]`);
    }
  }
  const [route, loops] = routeOf(b, x, C);
  traceRoute(BATCH_NORM_ACT_GRAD_KERNEL, route);
  if (loops != null && dy.dtype === "float32") return backwardSimd(b, loops, inputs, C, attrs);
  const [g, yv] = [read(b, gamma), read(b, y)];
  const r = bnBackwardJs(
    Float32Array.from(b.readSync(dy.dataId) as ArrayLike<number>),
    read(b, x),
    g,
    yv,
    read(b, mean),
    read(b, variance),
    attrs.epsilon,
    attrs.relu,
    attrs.hasResidual,
  );
  const outs = [output(b, x.shape, r.dx), output(b, gamma.shape, r.dgamma)];
  outs.push(output(b, gamma.shape, r.dbeta));
  return r.dresidual == null ? outs : [...outs, output(b, x.shape, r.dresidual)];
}

const config = (kernelName: string, f: (args: KernelArgs) => tf.TensorInfo[]) => ({
  kernelName,
  backendName: "wasm",
  kernelFunc: f as unknown as tf.KernelFunc,
});

/** ResnetcBatchNormAct for wasm (the contract: fused-kernels.ts). */
export const makeBatchNormActConfig = (): tf.KernelConfig =>
  config(BATCH_NORM_ACT_KERNEL, forwardKernel);

/** ResnetcBatchNormActGrad for wasm. */
export const makeBatchNormActGradConfig = (): tf.KernelConfig =>
  config(BATCH_NORM_ACT_GRAD_KERNEL, backwardKernel);

/**
 * The gradient of ResnetcBatchNormAct through ResnetcBatchNormActGrad (one kernel call for every
 * input's gradient). Its mean and variance outputs carry none: their dy is ignored.
 */
export const batchNormActGradConfig: tf.GradConfig = {
  kernelName: BATCH_NORM_ACT_KERNEL,
  inputsToSave: ["x", "gamma"],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = Array.isArray(dys) ? dys[0] : dys;
    const [x, gamma, y, mean, variance] = saved;
    const a = attrs as unknown as BatchNormActAttrs;
    const outs = tf
      .engine()
      .runKernel(
        BATCH_NORM_ACT_GRAD_KERNEL,
        { dy, x, gamma, y, mean, variance },
        attrs,
      ) as tf.Tensor[];
    const grads: Record<string, () => tf.Tensor> = {
      x: () => outs[0],
      gamma: () => outs[1],
      beta: () => outs[2],
    };
    if (a.hasResidual) grads.residual = () => outs[3];
    return grads;
  },
};

/** Registers the gradient (idempotent; on every backend, though only wasm has the kernel). */
export function registerBatchNormActGradient(): void {
  if (tf.getGradient(BATCH_NORM_ACT_KERNEL) == null) tf.registerGradient(batchNormActGradConfig);
}
