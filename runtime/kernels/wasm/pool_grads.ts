// AvgPoolGrad for the wasm backend when the windows do not overlap and need no padding (window at
// most the stride, "valid" padding, no dilation): every input pixel is in at most one window, so
// the gradient is zeros with each window's pixels set to its dy times 1 / (window area), a scatter
// instead of tfjs-backend-wasm 4.22's loop over every (output pixel, window tap) pair. The option-A
// shortcut's subsampling (a 1x1 average pool with stride 2, compiler/targets/tfjs/lower.ts) is this
// case: its gradient is dy copied to x[:, ::2, ::2, :] and zeros elsewhere. Any other pooling goes
// to the original kernel.

import * as tf from "@tensorflow/tfjs-core";
import { callOriginal, wasmKernelConfig, type KernelArgs } from "./kernel_config.js";
import { traceRoute } from "./route_trace.js";
import { asWasmBackend, index32 } from "./wasm_heap.js";

/** The pooling's geometry when its windows neither overlap nor reach into padding, else null. */
function disjointWindows(x: tf.TensorInfo, attrs: tf.AvgPoolGradAttrs) {
  if (x.dtype !== "float32" || x.shape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
  );
  const p = info.padInfo;
  if (p.top !== 0 || p.left !== 0 || p.bottom !== 0 || p.right !== 0) return null;
  if (info.filterHeight > info.strideHeight || info.filterWidth > info.strideWidth) return null;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return info;
}

export function makeAvgPoolGradConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const info = disjointWindows(input, args.attrs as unknown as tf.AvgPoolGradAttrs);
    if (info === null || dy.dtype !== "float32")
      return callOriginal(original, tf.AvgPoolGrad, args);
    traceRoute(tf.AvgPoolGrad, "scatter");
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput([...input.shape], "float32");
    const heap = backend.wasm.HEAPF32;
    const [n, h, w, c] = input.shape as [number, number, number, number];
    const dx0 = index32(backend, out);
    heap.fill(0, dx0, dx0 + n * h * w * c);
    const { outHeight: oh, outWidth: ow, filterHeight: fh, filterWidth: fw } = info;
    const { strideHeight: sh, strideWidth: sw } = info;
    const scale = 1 / (fh * fw); // in float64, then rounded once on the store, as the cpu kernel does
    let src = index32(backend, dy);
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++, src += c) {
          for (let ty = 0; ty < fh; ty++) {
            for (let tx = 0; tx < fw; tx++) {
              const dst = dx0 + ((b * h + y * sh + ty) * w + x * sw + tx) * c;
              for (let k = 0; k < c; k++) heap[dst + k] = heap[src + k]! * scale;
            }
          }
        }
      }
    }
    return out;
  };
  return wasmKernelConfig(tf.AvgPoolGrad, original, kernelFunc);
}
