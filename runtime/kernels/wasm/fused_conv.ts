// ResnetcFusedConv2D for wasm (the contract: compiler/targets/tfjs/fused-kernels.ts):
//
//   out = relu?(conv2d(x, filter) + bias? + residual?)     float32 NHWC, filter HWIO
//
// with explicit per-side pads. On resnetc's SIMD routes (conv_direct.ts: direct loops, Winograd
// for 3x3 stride 1) bias, residual and ReLU are applied as each output value is stored: one pass
// over the output, no extra tensor. Where those routes cannot take the case (Co % 4 != 0, a
// filter over DIRECT_MAX_FILTER_FLOATS, no SIMD) it composes the backend's stock kernels: XNNPACK's
// FusedConv2D with the bias (and ReLU when there is no residual), then Add and Relu (route
// "xnnpack").

import * as tf from "@tensorflow/tfjs-core";
import {
  FUSED_CONV_KERNEL,
  type FusedConvAttrs,
} from "../../../compiler/targets/tfjs/fused-kernels.js";
import type { Epilogue } from "./conv_module.js";
import { conv2dDirect, DIRECT_MAX_FILTER_FLOATS, loopsFor } from "./conv_direct.js";
import { INTERNALS_DIFFER_ROUTE, internalsOk, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import {
  asWasmBackend,
  offsetOf,
  release,
  runWasmKernel,
  type WasmBackendLike,
} from "./wasm_heap.js";

/** The inputs by name (x, filter, bias, residual), else in the contract's order. */
function inputsOf(args: KernelArgs, attrs: FusedConvAttrs) {
  const named = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const list = Object.values(args.inputs);
  return {
    x: (named.x ?? list[0])!,
    filter: (named.filter ?? list[1])!,
    bias: attrs.hasBias ? (named.bias ?? list[2])! : null,
    residual: attrs.hasResidual ? (named.residual ?? list[attrs.hasBias ? 3 : 2])! : null,
  };
}

function explicitPad(attrs: FusedConvAttrs): tf.backend_util.ExplicitPadding {
  const p = attrs.pad;
  return [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
}

/** The stock kernels: XNNPACK FusedConv2D (bias, ReLU without residual), Add, Relu. */
function composed(
  backend: WasmBackendLike,
  t: ReturnType<typeof inputsOf>,
  attrs: FusedConvAttrs,
  route = "xnnpack",
): tf.TensorInfo {
  traceRoute(FUSED_CONV_KERNEL, route);
  const inputs: tf.NamedTensorInfoMap = { x: t.x, filter: t.filter };
  if (t.bias != null) inputs.bias = t.bias;
  const conv = runWasmKernel(backend, tf.FusedConv2D, inputs, {
    strides: attrs.strides,
    pad: explicitPad(attrs),
    dilations: attrs.dilations,
    dataFormat: "NHWC",
    dimRoundingMode: undefined as unknown as string,
    activation: attrs.relu && t.residual == null ? "relu" : "linear",
  } as unknown as tf.NamedAttrMap);
  if (t.residual == null) return conv;
  const sum = runWasmKernel(backend, tf.Add, { a: conv, b: t.residual }, {});
  release(backend, conv);
  if (!attrs.relu) return sum;
  const out = runWasmKernel(backend, tf.Relu, { x: sum }, {});
  release(backend, sum);
  return out;
}

function fusedConv2d(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const attrs = args.attrs as unknown as FusedConvAttrs;
  const t = inputsOf(args, attrs);
  if (!internalsOk(backend)) return composed(backend, t, attrs, INTERNALS_DIFFER_ROUTE);
  const co = t.filter.shape[3];
  const biasOk = t.bias == null || (t.bias.shape.length === 1 && t.bias.shape[0] === co);
  const ts = [
    t.x,
    ...(t.bias != null ? [t.bias] : []),
    ...(t.residual != null ? [t.residual] : []),
  ];
  const loops = biasOk
    ? loopsFor(backend, "NHWC", co, DIRECT_MAX_FILTER_FLOATS, t.filter, ...ts)
    : null;
  if (loops == null) return composed(backend, t, attrs);
  const info = tf.backend_util.computeConv2DInfo(
    t.x.shape as [number, number, number, number],
    t.filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    explicitPad(attrs),
    undefined,
    false,
    "channelsLast",
  );
  const shape = [info.batchSize, info.outHeight, info.outWidth, co];
  if (t.residual != null && !tf.util.arraysEqual(t.residual.shape, shape)) {
    throw new Error(
      `${FUSED_CONV_KERNEL}: residual shape [${t.residual.shape}] is not the output's [${shape}]`,
    );
  }
  const epilogue: Epilogue = {
    bias: t.bias != null ? offsetOf(backend, t.bias) : null,
    residual: t.residual != null ? offsetOf(backend, t.residual) : null,
    relu: attrs.relu,
  };
  return conv2dDirect(FUSED_CONV_KERNEL, backend, loops, t.x, t.filter, info, epilogue);
}

/** The wasm kernel (no original: its fallback composes the stock kernels). */
export const fusedConvConfig: tf.KernelConfig = {
  kernelName: FUSED_CONV_KERNEL,
  backendName: "wasm",
  kernelFunc: fusedConv2d as unknown as tf.KernelFunc,
};
