// The fused batch norm (+ residual) (+ ReLU) and its gradient in plain JS over float32 arrays,
// accumulating in float64: the route batchnorm_act.ts's kernels take when the SIMD loops cannot
// run (C not a multiple of 4, no wasm SIMD, RESNETC_WASM_SIMD=off, or tfjs-backend-wasm's
// internals not what resnetc expects). The formulas are the contract's (fused-kernels.ts).

export interface BnForward {
  y: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

/** Per-channel mean and biased variance of the [rows, C] matrix x (two passes, float64). */
function moments(x: Float32Array, C: number): { mean: Float32Array; variance: Float32Array } {
  const rows = x.length / C;
  const sum = new Float64Array(C);
  for (let i = 0; i < x.length; i++) sum[i % C] += x[i];
  const m = sum.map((s) => s / rows);
  const sq = new Float64Array(C);
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - m[i % C];
    sq[i % C] += d * d;
  }
  return { mean: Float32Array.from(m), variance: Float32Array.from(sq, (s) => s / rows) };
}

/** y = relu?(gamma * (x - mean) / sqrt(variance + epsilon) + beta + residual?). */
export function bnForwardJs(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  residual: Float32Array | null,
  epsilon: number,
  relu: boolean,
): BnForward {
  const C = gamma.length;
  const { mean, variance } = moments(x, C);
  const k = Array.from(gamma, (g, c) => g / Math.sqrt(variance[c] + epsilon));
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    let v = (x[i] - mean[c]) * k[c] + beta[c] + (residual == null ? 0 : residual[i]);
    if (relu && !(v > 0)) v = 0; // NaN to 0, as the SIMD route
    y[i] = v;
  }
  return { y, mean, variance };
}

export interface BnBackward {
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  /** g: dy masked by y > 0 (with the ReLU); null without a residual. */
  dresidual: Float32Array | null;
}

/**
 * With g = dy (masked by y > 0 with the ReLU), M rows: dbeta = sum g, dgamma = sum g * xhat,
 * dx = gamma * invstd / M * (M * g - dbeta - xhat * dgamma), dresidual = g.
 */
export function bnBackwardJs(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  relu: boolean,
  hasResidual: boolean,
): BnBackward {
  const C = gamma.length;
  const M = x.length / C;
  const invstd = Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
  const g = relu ? dy.map((d, i) => (y[i] > 0 ? d : 0)) : dy;
  const dbeta = new Float64Array(C);
  const sgx = new Float64Array(C);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    dbeta[c] += g[i];
    sgx[c] += g[i] * (x[i] - mean[c]);
  }
  const dgamma = sgx.map((s, c) => s * invstd[c]);
  const dx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    const xhat = (x[i] - mean[c]) * invstd[c];
    dx[i] = ((gamma[c] * invstd[c]) / M) * (M * g[i] - dbeta[c] - xhat * dgamma[c]);
  }
  return {
    dx,
    dgamma: Float32Array.from(dgamma),
    dbeta: Float32Array.from(dbeta),
    dresidual: hasResidual ? Float32Array.from(g) : null,
  };
}
