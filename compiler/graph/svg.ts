// The diagram as SVG, laid out here (no Graphviz): one column for the main path, top to bottom, with
// the shape of every tensor beside its edge; each stage a shaded panel; each shortcut an arc in a lane
// to the right of the column, from the block's input to its addition - identity solid, zero-pad (A)
// dashed with its label, a projection as a box in the lane; a plain block has none.
import type { Diagram, DiagramEdge, DiagramNode } from "./diagram.js";
import { GROUP_FILL, SHORTCUT_COLOR } from "./style.js";

const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
const BOX_W = 300;
const LINE_H = 15;
const GAP = 34;
const GROUP_GAP = 30;
const ADD_R = 11;
const LEFT = 110;
const COL_X = LEFT + BOX_W / 2;
const LANE_X = COL_X + BOX_W / 2 + 105;
const PROJ_W = 190;
const WIDTH = LANE_X + PROJ_W / 2 + 120;

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

interface Placed {
  node: DiagramNode;
  /** Top and bottom y, centre x. */
  top: number;
  bottom: number;
  x: number;
  w: number;
}

function height(n: DiagramNode): number {
  switch (n.kind) {
    case "add":
      return 2 * ADD_R;
    case "input":
    case "output":
    case "layer":
      return 28;
    default:
      return 10 + LINE_H * (1 + n.lines.length) + 2;
  }
}

/** A background-coloured outline under the glyphs, so that text over a line stays readable. */
function halo(color: string): string {
  return `stroke="${color}" stroke-width="4" stroke-linejoin="round" paint-order="stroke"`;
}

function f(v: number): string {
  return Number(v.toFixed(1)).toString();
}

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${f(x)}" y="${f(y)}"${attrs ? " " + attrs : ""}>${escapeXml(s)}</text>`;
}

export function toSvg(d: Diagram): string {
  const placed = new Map<string, Placed>();
  const mainNodes = d.nodes.filter((n) => n.kind !== "projection");
  let y = 56;
  let prevGroup: string | null | undefined = undefined;
  const groupBox = new Map<string, { top: number; bottom: number }>();
  for (const n of mainNodes) {
    if (prevGroup !== undefined) y += GAP;
    if (n.group !== prevGroup) {
      if (prevGroup !== undefined && prevGroup !== null) y += 8;
      if (n.group !== null) y += GROUP_GAP - 8;
    }
    const h = height(n);
    placed.set(n.id, {
      node: n,
      top: y,
      bottom: y + h,
      x: COL_X,
      w: n.kind === "add" ? 2 * ADD_R : BOX_W,
    });
    if (n.group !== null) {
      const b = groupBox.get(n.group);
      if (!b) groupBox.set(n.group, { top: y, bottom: y + h });
      else b.bottom = y + h;
    }
    prevGroup = n.group;
    y += h;
  }
  // Projections: in the lane, halfway between the block's input and its addition.
  for (const n of d.nodes.filter((x) => x.kind === "projection")) {
    const into = d.edges.find((e) => e.to === n.id)!;
    const outOf = d.edges.find((e) => e.from === n.id)!;
    const from = placed.get(into.from)!;
    const to = placed.get(outOf.to)!;
    const h = height(n);
    const mid = (from.bottom + to.top) / 2;
    placed.set(n.id, { node: n, top: mid - h / 2, bottom: mid + h / 2, x: LANE_X, w: PROJ_W });
  }
  const H = y + 30;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${f(H)}" viewBox="0 0 ${WIDTH} ${f(H)}" font-family="${FONT}" font-size="12">`,
  );
  out.push(`<defs>`);
  for (const [k, c] of Object.entries({ main: "#333333", ...SHORTCUT_COLOR })) {
    out.push(
      `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
    );
  }
  out.push(`</defs>`);
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${f(H)}" fill="#ffffff"/>`);
  out.push(
    text(
      WIDTH / 2,
      28,
      d.title,
      `class="title" text-anchor="middle" font-size="15" font-weight="bold"`,
    ),
  );

  // Stage panels; their labels go over the edges that cross them, with a halo.
  const panelLeft = COL_X - BOX_W / 2 - 16;
  const panelRight = WIDTH - 12;
  const labels: string[] = [];
  for (const g of d.groups) {
    const b = groupBox.get(g.name);
    if (!b) continue;
    const top = b.top - GROUP_GAP + 6;
    out.push(
      `<rect class="group" data-group="${escapeXml(g.name)}" x="${f(panelLeft)}" y="${f(top)}" width="${f(panelRight - panelLeft)}" height="${f(b.bottom - top + 10)}" rx="8" fill="${GROUP_FILL[g.kind]}" stroke="#c8c8c8"/>`,
    );
    labels.push(
      text(
        panelLeft + 10,
        top + 16,
        g.label,
        `class="group-label" font-weight="bold" fill="#444444" ${halo(GROUP_FILL[g.kind])}`,
      ),
    );
  }

  // Edges, then the panel labels, then the nodes over the edges' ends.
  for (const e of d.edges) out.push(edgeSvg(e, placed));
  out.push(...labels);

  for (const p of placed.values()) out.push(nodeSvg(p));
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function edgeSvg(e: DiagramEdge, placed: Map<string, Placed>): string {
  const a = placed.get(e.from)!;
  const b = placed.get(e.to)!;
  if (e.kind === "main") {
    const y1 = a.bottom;
    const y2 = b.top;
    return (
      `<g class="edge main" data-from="${e.from}" data-to="${e.to}">` +
      `<line x1="${f(COL_X)}" y1="${f(y1)}" x2="${f(COL_X)}" y2="${f(y2 - 1)}" stroke="#333333" stroke-width="1.3" marker-end="url(#arrow-main)"/>` +
      text(
        COL_X - 8,
        Math.min(y1 + 15, (y1 + y2) / 2 + 4),
        e.label,
        `text-anchor="end" font-size="11" fill="#555555" ${halo("#ffffff")}`,
      ) +
      `</g>`
    );
  }
  const kind = e.shortcut ?? "identity";
  const c = SHORTCUT_COLOR[kind];
  const dash = kind === "zeropad" ? ` stroke-dasharray="6 4"` : "";
  const width = kind === "projection" ? 2 : 1.6;
  const r = 8;
  const attrs = `fill="none" stroke="${c}" stroke-width="${width}"${dash}`;
  const cls = `edge shortcut ${kind}`;
  if (b.node.kind === "projection") {
    // From the tap below the block's input, right to the lane, down into the projection box.
    const ty = a.bottom + 10;
    const path = `M${f(COL_X)},${f(ty)} H${f(LANE_X - r)} Q${f(LANE_X)},${f(ty)} ${f(LANE_X)},${f(ty + r)} V${f(b.top - 1)}`;
    return (
      `<g class="${cls}" data-from="${e.from}" data-to="${e.to}"><circle cx="${f(COL_X)}" cy="${f(ty)}" r="3" fill="${c}"/>` +
      `<path d="${path}" ${attrs} marker-end="url(#arrow-${kind})"/></g>`
    );
  }
  // Into the addition: from the projection's bottom, or from the tap below the block's input.
  const ay = (b.top + b.bottom) / 2;
  const ax = COL_X + ADD_R;
  let path: string;
  let labelY: number;
  let tap = "";
  if (a.node.kind === "projection") {
    path = `M${f(LANE_X)},${f(a.bottom)} V${f(ay - r)} Q${f(LANE_X)},${f(ay)} ${f(LANE_X - r)},${f(ay)} H${f(ax + 1)}`;
    labelY = (a.bottom + ay) / 2 + 4;
  } else {
    const ty = a.bottom + 10;
    tap = `<circle cx="${f(COL_X)}" cy="${f(ty)}" r="3" fill="${c}"/>`;
    path =
      `M${f(COL_X)},${f(ty)} H${f(LANE_X - r)} Q${f(LANE_X)},${f(ty)} ${f(LANE_X)},${f(ty + r)} ` +
      `V${f(ay - r)} Q${f(LANE_X)},${f(ay)} ${f(LANE_X - r)},${f(ay)} H${f(ax + 1)}`;
    labelY = (ty + ay) / 2 + 4;
  }
  return (
    `<g class="${cls}" data-from="${e.from}" data-to="${e.to}">${tap}<path d="${path}" ${attrs} marker-end="url(#arrow-${kind})"/>` +
    text(LANE_X + 8, labelY, e.label, `font-size="11" fill="${c}"`) +
    `</g>`
  );
}

function nodeSvg(p: Placed): string {
  const n = p.node;
  const h = p.bottom - p.top;
  const x0 = p.x - p.w / 2;
  const cls = `node ${n.kind}`;
  const open = `<g class="${cls}" data-id="${n.id}">`;
  switch (n.kind) {
    case "add": {
      const cy = (p.top + p.bottom) / 2;
      return (
        open +
        `<circle cx="${f(p.x)}" cy="${f(cy)}" r="${ADD_R}" fill="#fff7e0" stroke="#b08800" stroke-width="1.3"/>` +
        text(p.x, cy + 5, "+", `text-anchor="middle" font-size="16" font-weight="bold"`) +
        (n.lines.length
          ? text(p.x - ADD_R - 6, cy + 4, n.lines.join(" · "), `text-anchor="end" font-size="11"`)
          : "") +
        `</g>`
      );
    }
    case "input":
    case "output":
      return (
        open +
        `<rect x="${f(x0 + 60)}" y="${f(p.top)}" width="${f(p.w - 120)}" height="${f(h)}" rx="14" fill="#eeeeee" stroke="#666666"/>` +
        text(p.x, p.top + 18, n.title, `text-anchor="middle" font-weight="bold"`) +
        `</g>`
      );
    case "layer":
      return (
        open +
        `<rect x="${f(x0)}" y="${f(p.top)}" width="${p.w}" height="${f(h)}" rx="5" fill="#ffffff" stroke="#666666"/>` +
        text(p.x, p.top + 18, n.title, `text-anchor="middle"`) +
        `</g>`
      );
    default: {
      const proj = n.kind === "projection";
      const stroke = proj ? SHORTCUT_COLOR.projection : "#333333";
      const fill = proj ? "#fdebd9" : "#ffffff";
      const double =
        n.count > 1
          ? `<rect x="${f(x0 + 4)}" y="${f(p.top + 4)}" width="${p.w}" height="${f(h)}" rx="5" fill="${fill}" stroke="${stroke}"/>`
          : "";
      const lines = n.lines.map((l, i) =>
        text(p.x, p.top + 16 + LINE_H * (i + 1), l, `text-anchor="middle"`),
      );
      return (
        open +
        double +
        `<rect x="${f(x0)}" y="${f(p.top)}" width="${p.w}" height="${f(h)}" rx="5" fill="${fill}" stroke="${stroke}" stroke-width="${proj ? 1.5 : 1.2}"/>` +
        text(p.x, p.top + 16, n.title, `text-anchor="middle" font-weight="bold"`) +
        lines.join("") +
        `</g>`
      );
    }
  }
}
