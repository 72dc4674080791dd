// Small SVG line charts for the training panel (loss and error as training goes).

export interface Series {
  name: string;
  colour: string;
  points: [number, number][];
}

const W = 420;
const H = 180;
const PAD = { left: 44, right: 10, top: 12, bottom: 26 };

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2);
}

/** An SVG of the series on shared axes: x from 0 to the last point, y from 0 to the highest. */
export function lineChart(series: Series[], xLabel: string, yLabel: string): string {
  series = series.map((s) => ({ ...s, points: s.points.filter((p) => p.every(Number.isFinite)) }));
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMax = Math.max(1e-9, ...all.map((p) => p[1]));
  const x = (v: number) => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">`,
    `<line x1="${PAD.left}" y1="${y(0)}" x2="${W - PAD.right}" y2="${y(0)}" stroke="#999"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${y(0)}" stroke="#999"/>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end">${fmt(yMax)}</text>`,
    `<text x="${PAD.left - 4}" y="${y(0)}" text-anchor="end">0</text>`,
    `<text x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${xLabel} ${fmt(xMax)}</text>`,
    `<text x="${PAD.left + 4}" y="${PAD.top + 8}">${yLabel}</text>`,
  ];
  series.forEach((s, i) => {
    if (s.points.length > 0) {
      const d = s.points.map(
        (p, k) => `${k ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`,
      );
      parts.push(`<path d="${d.join("")}" fill="none" stroke="${s.colour}" stroke-width="1.5"/>`);
    }
    parts.push(
      `<text x="${W - PAD.right}" y="${PAD.top + 8 + 14 * i}" text-anchor="end" fill="${s.colour}">${s.name}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
