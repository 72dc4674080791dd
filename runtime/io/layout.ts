// Layout conversion between PyTorch's tensors and resnetc's (TensorFlow.js') weights: a convolution
// kernel is OIHW in PyTorch and HWIO here, a fully connected layer's weight is [out, in] there and
// [in, out] here. Both directions are exact permutations (no arithmetic), so a round trip is bit-exact.

/** OIHW -> HWIO: the values of a PyTorch conv weight of shape [o, i, h, w] in tfjs order. */
export function oihwToHwio(src: Float32Array, shape: readonly number[]): Float32Array {
  const [o, i, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(src.length);
  const io = i * o;
  const hw = h * w;
  let k = 0;
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++) {
      const base = b * o + a;
      for (let p = 0; p < hw; p++) out[p * io + base] = src[k++]!;
    }
  return out;
}

/** HWIO -> OIHW: a tfjs kernel of shape [h, w, i, o] in PyTorch's order. */
export function hwioToOihw(src: Float32Array, shape: readonly number[]): Float32Array {
  const [h, w, i, o] = shape as [number, number, number, number];
  const out = new Float32Array(src.length);
  const hw = h * w;
  let k = 0;
  for (let p = 0; p < hw; p++)
    for (let b = 0; b < i; b++) for (let a = 0; a < o; a++) out[(a * i + b) * hw + p] = src[k++]!;
  return out;
}

/** The transpose of a row-major [rows, cols] matrix (fc weights: [out, in] <-> [in, out]). */
export function transpose(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
  return out;
}
