import { describe, expect, it } from "vitest";

import { createProgress, formatDuration } from "../../cli/progress.js";

describe("progress", () => {
  it("lines mode prints periodic lines through log", () => {
    const lines: string[] = [];
    const p = createProgress("lines", (l) => lines.push(l), { intervalSeconds: 0 });
    p.startEpoch(2, 10, 391, 0);
    p.update({ batch: 100, loss: 1.23456, accuracy: 0.4567, imagesPerSec: 1234.4 });
    p.endEpoch();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ {2}epoch 2\/10 {2}batch 100\/391 {2}loss 1\.2346 {2}acc 45\.7% {2}1234 img\/s {2}ETA \d+s$/,
    );
  });

  it("none mode prints nothing", () => {
    const lines: string[] = [];
    const p = createProgress("none", (l) => lines.push(l));
    p.startEpoch(1, 1, 10, 0);
    p.update({ batch: 1, loss: 1, accuracy: 0, imagesPerSec: 1 });
    p.endEpoch();
    expect(lines).toEqual([]);
  });

  it("formats durations", () => {
    expect(formatDuration(5.4)).toBe("5s");
    expect(formatDuration(80)).toBe("1m20s");
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe("3h07m");
  });
});
