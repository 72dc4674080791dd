// Registers the kernels that let the wasm backend train ResNets, over tfjs-backend-wasm 4.22:
//
//   Conv2DBackpropFilter  added     missing in tfjs-backend-wasm (training fails without it); runs
//                                   in our SIMD module (simd_module.ts; 3x3 stride 1 as Winograd,
//                                   winograd.ts), XNNPACK when Co % 4 != 0
//   Conv2DBackpropInput   replaced  the original is a scalar loop; this one runs our direct SIMD
//                                   convolution (conv_direct.ts; 3x3 stride 1 as Winograd
//                                   F(2x2, 3x3), winograd.ts), XNNPACK when Ci % 4 != 0
//   Conv2D, FusedConv2D   replaced  direct SIMD convolution (3x3 stride 1: Winograd) when
//                                   Co % 4 == 0, the filter is at most DIRECT_MAX_FILTER_FLOATS
//                                   and (fused) the activation is relu or linear, bias and ReLU
//                                   applied in the stores; XNNPACK otherwise
//   ResnetcFusedConv2D    added     resnetc's conv + bias + residual + ReLU in one pass
//                                   (fused_conv.ts); stock kernels when the SIMD routes cannot
//   Tile                  replaced  the original is an index-per-element loop; this one copies
//                                   blocks (batch norm's gradient tiles [1,1,1,C] up to [N,H,W,C])
//   StridedSlice          replaced  same story (option-A shortcut x[:, ::2, ::2, :]); copies runs
//   Slice                 replaced  the original copies the whole input off the heap per call and
//                                   walks elements one by one from rank 5 up; copies runs
//   Sum, Mean             replaced  per-channel reductions over leading axes (batch norm's moments)
//                                   run as SIMD column sums instead of transpose + reduce
//   ResnetcBatchNormAct,  added     resnetc's fused batch norm (+ residual) (+ ReLU) in training
//   ResnetcBatchNormActGrad         and its gradient (batchnorm_act.ts, over bn_module.ts), with
//                                   the gradient registered on every backend
//   Multiply, Add, Sub,   replaced  [N,H,W,C] op [C] (or op a scalar) broadcasts run as one SIMD
//   RealDiv                         pass (the originals' broadcasting path is ~2x their same-shape
//                                   one)
//   FusedBatchNorm        replaced  per-channel factor computed once, then one SIMD pass
//                                   (these seven: channel_ops.ts, over our wasm module simd_module.ts)
//   Identity, Cast        replaced  the originals copy; same-dtype outputs share the input's data
//   AvgPoolGrad           replaced  windows that neither overlap nor pad (the option-A shortcut's
//                                   1x1 stride-2 subsample): a scatter (pool_grads.ts)
//   a few rare gradients  added     delegated to the cpu backend (see cpu_delegate.ts)
//
// plus the StridedSlice gradient, missing from tfjs-core for every backend, and Sum's and Mean's
// replaced on every backend by equal ones that broadcast dy instead of multiplying it by a
// JS-built ones(x.shape) (../gradients.ts, ../reduce_grads.ts).
//
// Call registerWasmTrainingKernels() before tf.setBackend('wasm') or after; it is idempotent.

import * as tf from "@tensorflow/tfjs-core";
// Importing the package registers its own kernels first, so ours replace them (never the other
// way round, which would happen if the package were imported after this module ran).
import "@tensorflow/tfjs-backend-wasm";
import { FUSED_CONV_KERNEL } from "../../../compiler/targets/tfjs/fused-kernels.js";
import { registerTrainingGradients } from "../gradients.js";
import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.js";
import { makeConv2dBackpropInputConfig } from "./conv2d_backprop_input.js";
import {
  makeBatchNormActConfig,
  makeBatchNormActGradConfig,
  registerBatchNormActGradient,
} from "./batchnorm_act.js";
import {
  makeAddConfig,
  makeFusedBatchNormConfig,
  makeMeanConfig,
  makeMultiplyConfig,
  makeRealDivConfig,
  makeSubConfig,
  makeSumConfig,
} from "./channel_ops.js";
import { CPU_DELEGATED_KERNELS, makeCpuDelegateConfig } from "./cpu_delegate.js";
import { makeConv2dConfig } from "./conv_direct.js";
import { fusedConvConfig } from "./fused_conv.js";
import { noteMissingOriginal } from "./internals.js";
import { makeCastConfig, makeIdentityConfig } from "./identity.js";
import { makeSliceConfig, makeStridedSliceConfig } from "./strided_slice.js";
import { makeTileConfig } from "./tile.js";
import { makeAvgPoolGradConfig } from "./pool_grads.js";
import { registerSgdKernels } from "./sgd_update.js";
import { registerSoftmaxCrossEntropy } from "./softmax_ce.js";

const OURS = Symbol.for("resnetc.wasmKernel");

export interface WasmKernelChange {
  kernel: string;
  action: "added" | "replaced" | "delegated to cpu";
  why: string;
}

function isOurs(config: tf.KernelConfig | undefined): boolean {
  return config != null && (config as unknown as Record<symbol, unknown>)[OURS] === true;
}

function install(config: tf.KernelConfig): void {
  (config as unknown as Record<symbol, unknown>)[OURS] = true;
  if (tf.getKernel(config.kernelName, "wasm") != null) {
    tf.unregisterKernel(config.kernelName, "wasm");
  }
  tf.registerKernel(config);
  // A backend already set up binds kernels' C functions in setupFunc; bind ours now as well.
  const wasm = tf.engine().registry["wasm"];
  if (wasm != null && config.setupFunc != null) config.setupFunc(wasm);
}

let changes: WasmKernelChange[] | null = null;

/**
 * Makes the wasm backend able to train any ResNet (and faster at it). Idempotent: the second
 * call returns the same list without touching the registry, unless something re-registered
 * one of the kernels in between, in which case ours are put back.
 */
export function registerWasmTrainingKernels(): WasmKernelChange[] {
  registerTrainingGradients();
  registerSgdKernels(); // the fused optimizer update (sgd_update.ts), for wasm and cpu
  registerSoftmaxCrossEntropy(); // the fused loss and its gradient (softmax_ce.ts), wasm and cpu
  const done: WasmKernelChange[] = [];

  // In the order `resnetc doctor` lists them.
  const ours: [
    string,
    (original: tf.KernelConfig | undefined) => tf.KernelConfig,
    WasmKernelChange["action"],
    string,
  ][] = [
    [
      tf.Conv2DBackpropFilter,
      () => ({ ...conv2dBackpropFilterConfig }),
      "added",
      "missing in tfjs-backend-wasm; SIMD outer products per tap or Winograd (XNNPACK if Co % 4)",
    ],
    [
      tf.Conv2DBackpropInput,
      makeConv2dBackpropInputConfig,
      "replaced",
      "the original is a scalar loop; direct SIMD or Winograd convolution (XNNPACK if Ci % 4)",
    ],
    [
      tf.Tile,
      makeTileConfig,
      "replaced",
      "the original is a per-element loop; block copies instead",
    ],
    [
      tf.StridedSlice,
      makeStridedSliceConfig,
      "replaced",
      "the original is a per-element loop; copies runs instead",
    ],
    [
      tf.Slice,
      makeSliceConfig,
      "replaced",
      "the original copies the whole input per call (and loops per element from rank 5)",
    ],
    [
      tf.Conv2D,
      (o) => makeConv2dConfig("Conv2D", o),
      "replaced",
      "direct SIMD convolution, Winograd for 3x3 stride 1 (Co % 4 == 0)",
    ],
    [
      tf.FusedConv2D,
      (o) => makeConv2dConfig("FusedConv2D", o),
      "replaced",
      "as Conv2D, bias and relu applied as the output is stored (Co % 4 == 0)",
    ],
    [
      FUSED_CONV_KERNEL,
      () => ({ ...fusedConvConfig }),
      "added",
      "resnetc's conv + bias + residual + relu, one pass over the output (XNNPACK + Add if Co % 4)",
    ],
    [
      tf.Sum,
      makeSumConfig,
      "replaced",
      "over leading axes (per channel): SIMD column sums, no transpose",
    ],
    [
      tf.Mean,
      makeMeanConfig,
      "replaced",
      "over leading axes (per channel): SIMD column sums, no transpose",
    ],
    [
      "ResnetcBatchNormAct",
      makeBatchNormActConfig,
      "added",
      "resnetc's fused batch norm (+ residual) (+ ReLU): two SIMD passes (JS if C % 4)",
    ],
    [
      "ResnetcBatchNormActGrad",
      makeBatchNormActGradConfig,
      "added",
      "its gradient: two SIMD passes, dx and dresidual in one (JS if C % 4)",
    ],
    [
      tf.Multiply,
      makeMultiplyConfig,
      "replaced",
      "a [C] vector or a scalar broadcast: one SIMD pass",
    ],
    [tf.Add, makeAddConfig, "replaced", "a [C] vector or a scalar broadcast: one SIMD pass"],
    [tf.Sub, makeSubConfig, "replaced", "a [C] vector or a scalar broadcast: one SIMD pass"],
    [
      tf.RealDiv,
      makeRealDivConfig,
      "replaced",
      "a [C] vector or a scalar broadcast: one SIMD pass",
    ],
    [
      tf.FusedBatchNorm,
      makeFusedBatchNormConfig,
      "replaced",
      "per-channel factors once, then one SIMD pass",
    ],
    [
      tf.Identity,
      makeIdentityConfig,
      "replaced",
      "the original copies; the output shares the input's data",
    ],
    [
      tf.Cast,
      makeCastConfig,
      "replaced",
      "same dtype: the output shares the input's data instead of a copy",
    ],
    [
      tf.AvgPoolGrad,
      makeAvgPoolGradConfig,
      "replaced",
      "windows that neither overlap nor pad (option A's 1x1 stride-2 subsample): a scatter",
    ],
  ];
  for (const [name, make, action, why] of ours) {
    const current = tf.getKernel(name, "wasm");
    // A kernel resnetc adds replaces one if a later tfjs-backend-wasm has it.
    const replacing = action === "added" && current != null && !isOurs(current);
    // The fallback a replaced kernel needs; internals.ts reports it missing.
    if (action === "replaced" && current == null) noteMissingOriginal(name);
    if (!isOurs(current)) install(make(current));
    done.push({ kernel: name, action: replacing ? "replaced" : action, why });
  }

  for (const name of CPU_DELEGATED_KERNELS) {
    const current = tf.getKernel(name, "wasm");
    const cpuKernel = tf.getKernel(name, "cpu");
    if (cpuKernel == null) continue;
    if (current != null && !isOurs(current)) continue; // tfjs-backend-wasm has its own now
    if (current == null) install(makeCpuDelegateConfig(cpuKernel));
    done.push({
      kernel: name,
      action: "delegated to cpu",
      why: "missing in tfjs-backend-wasm; runs on the cpu backend's kernel (copies)",
    });
  }
  registerBatchNormActGradient(); // the fused batch norm's (batchnorm_act.ts)
  changes = done;
  return done;
}

/** What registerWasmTrainingKernels did, or null if it has not run in this process. */
export function wasmTrainingKernelChanges(): WasmKernelChange[] | null {
  return changes;
}
