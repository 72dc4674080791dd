// The error chart as SVG, in the style of Fig. 4 and Fig. 6 of He et al. 2015: thin dashed lines
// for training error, bold lines for test error, one colour per model, a legend, axes with ticks.
// Plain SVG 1.1 with no external resources, so that sharp (librsvg) renders it to PNG as is.
import type { RunSeries } from "./series.js";

export interface ChartOptions {
  title?: string;
  /** Upper end of the error axis in percent (the paper uses 20); higher values are clipped. */
  yMax?: number;
  width?: number;
  height?: number;
}

/** Colour-blind-friendly, distinguishable in print (Okabe-Ito, then a few more). */
export const PALETTE = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#8C564B",
  "#7F7F7F",
  "#BCBD22",
];

export const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Round numbers for an axis from 0 to at least `max`: a step of 1, 2, 2.5 or 5 times a power of 10. */
export function niceTicks(max: number, target = 6): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw)!;
  const top = Math.ceil(max / step - 1e-9) * step;
  const out: number[] = [];
  for (let i = 0; i * step <= top + step / 1e6; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

/** Integer ticks for the epoch axis. */
export function epochTicks(max: number, target = 10): number[] {
  const m = Math.max(1, Math.ceil(max - 1e-9));
  const step = niceTicks(m, target)[1]!;
  const s = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let v = 0; v < m + s; v += s) out.push(v);
  return out;
}

function fmt(v: number): string {
  return Number(v.toFixed(2)).toString();
}

export function errorChartSvg(runs: readonly RunSeries[], opts: ChartOptions = {}): string {
  const W = opts.width ?? 880;
  const H = opts.height ?? 480;
  const legendW = 220;
  const m = { left: 70, right: legendW + 20, top: opts.title ? 48 : 24, bottom: 58 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  const allY = runs.flatMap((r) => [...r.trainError, ...r.testError]).filter(Number.isFinite);
  const dataMax = allY.length ? Math.max(...allY) : 100;
  const yTicks = niceTicks(opts.yMax ?? Math.max(dataMax, 1));
  const yTop = yTicks[yTicks.length - 1]!;
  const xTicks = epochTicks(Math.max(1, ...runs.flatMap((r) => r.x)));
  const xTop = xTicks[xTicks.length - 1]!;
  const sx = (v: number) => m.left + (v / xTop) * pw;
  const sy = (v: number) => m.top + ph - (v / yTop) * ph;
  const px = (v: number) => v.toFixed(1);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="13">`,
  );
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(
    `<defs><clipPath id="plot-area"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath></defs>`,
  );
  if (opts.title) {
    out.push(
      `<text class="title" x="${px(m.left + pw / 2)}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(opts.title)}</text>`,
    );
  }

  // Grid and ticks.
  out.push(`<g class="grid" stroke="#e3e3e3" stroke-width="1">`);
  for (const t of yTicks)
    out.push(`<line x1="${m.left}" y1="${px(sy(t))}" x2="${m.left + pw}" y2="${px(sy(t))}"/>`);
  for (const t of xTicks)
    out.push(`<line x1="${px(sx(t))}" y1="${m.top}" x2="${px(sx(t))}" y2="${m.top + ph}"/>`);
  out.push(`</g>`);
  out.push(`<g class="y-axis">`);
  for (const t of yTicks) {
    out.push(
      `<line x1="${m.left - 5}" y1="${px(sy(t))}" x2="${m.left}" y2="${px(sy(t))}" stroke="#000"/>`,
    );
    out.push(`<text x="${m.left - 8}" y="${px(sy(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(
    `<text x="18" y="${px(m.top + ph / 2)}" text-anchor="middle" transform="rotate(-90 18 ${px(m.top + ph / 2)})">error (%)</text>`,
  );
  out.push(`</g>`);
  out.push(`<g class="x-axis">`);
  for (const t of xTicks) {
    out.push(
      `<line x1="${px(sx(t))}" y1="${m.top + ph}" x2="${px(sx(t))}" y2="${m.top + ph + 5}" stroke="#000"/>`,
    );
    out.push(`<text x="${px(sx(t))}" y="${m.top + ph + 20}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<text x="${px(m.left + pw / 2)}" y="${H - 14}" text-anchor="middle">epoch</text>`);
  out.push(`</g>`);
  out.push(
    `<rect class="frame" x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#000" stroke-width="1"/>`,
  );

  // Curves: training error thin and dashed, test error bold; a marker on every point.
  runs.forEach((r, i) => {
    const c = PALETTE[i % PALETTE.length]!;
    const pts = (ys: number[]) =>
      r.x
        .map((x, k) => [x, ys[k]!] as const)
        .filter(([, y]) => Number.isFinite(y))
        .map(([x, y]) => `${px(sx(x))},${px(sy(y))}`);
    const train = pts(r.trainError);
    const test = pts(r.testError);
    out.push(`<g class="run" data-label="${escapeXml(r.label)}" clip-path="url(#plot-area)">`);
    if (train.length > 1)
      out.push(
        `<polyline class="train" points="${train.join(" ")}" fill="none" stroke="${c}" stroke-width="1.3" stroke-dasharray="5 3"/>`,
      );
    if (test.length > 1)
      out.push(
        `<polyline class="test" points="${test.join(" ")}" fill="none" stroke="${c}" stroke-width="2.8"/>`,
      );
    for (const p of train) {
      const [x, y] = p.split(",");
      out.push(
        `<circle class="train" cx="${x}" cy="${y}" r="2.5" fill="#ffffff" stroke="${c}" stroke-width="1.2"/>`,
      );
    }
    for (const p of test) {
      const [x, y] = p.split(",");
      out.push(`<circle class="test" cx="${x}" cy="${y}" r="3.5" fill="${c}"/>`);
    }
    out.push(`</g>`);
  });

  // Legend: a colour per model, then what dashed and bold mean.
  const lx = m.left + pw + 20;
  let ly = m.top + 8;
  out.push(`<g class="legend">`);
  runs.forEach((r, i) => {
    const c = PALETTE[i % PALETTE.length]!;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="${c}" stroke-width="2.8"/>`,
    );
    out.push(`<text x="${lx + 36}" y="${ly + 4}">${escapeXml(r.label)}</text>`);
    ly += 22;
  });
  ly += 10;
  out.push(
    `<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="#444" stroke-width="1.3" stroke-dasharray="5 3"/>`,
  );
  out.push(`<text x="${lx + 36}" y="${ly + 4}">training error</text>`);
  ly += 22;
  out.push(
    `<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="#444" stroke-width="2.8"/>`,
  );
  out.push(`<text x="${lx + 36}" y="${ly + 4}">test error</text>`);
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
