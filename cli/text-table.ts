// Plain-text tables with multi-line cells and right-aligned number columns.

export function renderTable(header: string[], rows: string[][], align: ("l" | "r")[] = []): string {
  const split = (c: string) => c.split("\n");
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => Math.max(...split(r[i] ?? "").map((l) => l.length)))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (align[i] === "r" ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of rows) {
    const cells = r.map(split);
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(cells.map((c) => c[k] ?? "")));
  }
  return out.join("\n");
}

export function int(n: number): string {
  return n.toLocaleString("en-US");
}

/** 1814073344 -> "1.814e9", 11282415616 -> "11.282e9", 40551040 -> "40.551e6" (the paper's style). */
export function sci(n: number, digits = 3): string {
  if (n === 0) return "0";
  const e = n >= 1e9 ? 9 : n >= 1e6 ? 6 : n >= 1e3 ? 3 : 0;
  return e === 0 ? String(n) : `${(n / 10 ** e).toFixed(digits)}e${e}`;
}
