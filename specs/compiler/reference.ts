// An independent reference for the specs: the layers of a ResNet written as plain loops over
// NHWC Float64 arrays (batch 1), with padding spelled out per side as PyTorch and Caffe define it.
// Nothing here comes from resnetc or tfjs.

export interface Map3 {
  h: number;
  w: number;
  c: number;
  data: Float64Array;
}

export interface Pad4 {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export const sym = (p: number): Pad4 => ({ top: p, bottom: p, left: p, right: p });

export function map3(
  h: number,
  w: number,
  c: number,
  f: (y: number, x: number, ch: number) => number,
): Map3 {
  const data = new Float64Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) data[(y * w + x) * c + ch] = f(y, x, ch);
  return { h, w, c, data };
}

const at = (m: Map3, y: number, x: number, ch: number) => m.data[(y * m.w + x) * m.c + ch]!;

/** Convolution; kernel HWIO [kh, kw, cin, cout] as a flat array. */
export function conv(
  x: Map3,
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  cout: number,
  stride: number,
  pad: Pad4,
  bias?: ArrayLike<number>,
): Map3 {
  const ho = Math.floor((x.h + pad.top + pad.bottom - kh) / stride) + 1;
  const wo = Math.floor((x.w + pad.left + pad.right - kw) / stride) + 1;
  const out = new Float64Array(ho * wo * cout);
  for (let oy = 0; oy < ho; oy++)
    for (let ox = 0; ox < wo; ox++) {
      const o = (oy * wo + ox) * cout;
      for (let co = 0; co < cout; co++) out[o + co] = bias ? bias[co]! : 0;
      for (let i = 0; i < kh; i++) {
        const y = oy * stride - pad.top + i;
        if (y < 0 || y >= x.h) continue;
        for (let j = 0; j < kw; j++) {
          const xx = ox * stride - pad.left + j;
          if (xx < 0 || xx >= x.w) continue;
          for (let ci = 0; ci < x.c; ci++) {
            const v = at(x, y, xx, ci);
            const k = ((i * kw + j) * x.c + ci) * cout;
            for (let co = 0; co < cout; co++) out[o + co] += v * kernel[k + co]!;
          }
        }
      }
    }
  return { h: ho, w: wo, c: cout, data: out };
}

/** Max pooling: a padded cell never wins (PyTorch's MaxPool2d). */
export function maxpool(x: Map3, k: number, stride: number, pad: Pad4): Map3 {
  return pool(x, k, stride, pad, (vals) => Math.max(...vals));
}

/** Average pooling; `countPad`: padded cells count in the divisor (PyTorch's default). */
export function avgpool(x: Map3, k: number, stride: number, pad: Pad4, countPad: boolean): Map3 {
  return pool(
    x,
    k,
    stride,
    pad,
    (vals) => vals.reduce((a, b) => a + b, 0) / (countPad ? k * k : vals.length),
  );
}

function pool(x: Map3, k: number, stride: number, pad: Pad4, f: (vals: number[]) => number): Map3 {
  const ho = Math.floor((x.h + pad.top + pad.bottom - k) / stride) + 1;
  const wo = Math.floor((x.w + pad.left + pad.right - k) / stride) + 1;
  return map3(ho, wo, x.c, (oy, ox, ch) => {
    const vals: number[] = [];
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        const y = oy * stride - pad.top + i;
        const xx = ox * stride - pad.left + j;
        if (y >= 0 && y < x.h && xx >= 0 && xx < x.w) vals.push(at(x, y, xx, ch));
      }
    return f(vals);
  });
}

export interface BnParams {
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
}

/** Batch norm in evaluation mode, eps 1e-5. */
export function bn(x: Map3, p: BnParams): Map3 {
  return map3(
    x.h,
    x.w,
    x.c,
    (y, xx, ch) =>
      (p.gamma[ch]! * (at(x, y, xx, ch) - p.mean[ch]!)) / Math.sqrt(p.variance[ch]! + 1e-5) +
      p.beta[ch]!,
  );
}

export function relu(x: Map3): Map3 {
  return { ...x, data: x.data.map((v) => Math.max(0, v)) };
}

export function add(a: Map3, b: Map3): Map3 {
  return { ...a, data: a.data.map((v, i) => v + b.data[i]!) };
}

export function globalAvg(x: Map3): Float64Array {
  const out = new Float64Array(x.c);
  for (let i = 0; i < x.h * x.w; i++)
    for (let ch = 0; ch < x.c; ch++) out[ch] += x.data[i * x.c + ch]!;
  return out.map((v) => v / (x.h * x.w));
}

/** Fully connected; kernel [in, out]. */
export function fc(
  x: ArrayLike<number>,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number>,
): Float64Array {
  const n = bias.length;
  const out = Float64Array.from(bias);
  for (let i = 0; i < x.length; i++)
    for (let o = 0; o < n; o++) out[o] += x[i]! * kernel[i * n + o]!;
  return out;
}
