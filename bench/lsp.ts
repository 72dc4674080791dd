// npm run bench:lsp: time from a keystroke to its diagnostics in the real `resnetc lsp` (over
// stdio, as an editor talks to it), on the ImageNet example (all five depths) and on the CIFAR
// file with ResNet-1202. Each keystroke (a character typed, then deleted, in a comment) waits for
// its diagnostics before the next, so this is latency, not throughput. Measured twice: with the
// server's default debounce (what a user sees) and with none; beside each, the compiler's own
// check of the same text in this process, timed between keystrokes (the machine's load varies).
//   node --import tsx bench/lsp.ts [--keys=40]     (needs dist/: npm run build)
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { Client, read, uriOf } from "../specs/lsp/client.js";
import { checkProgram } from "../compiler/check.js";
import { loadProgram } from "../compiler/program.js";
import { DEFAULTS } from "../lsp/server.js";

const KEYS = Number(process.argv.find((a) => a.startsWith("--keys="))?.split("=")[1] ?? 40);
const FILES = ["examples/imagenet/resnet.resnet", "examples/cifar/resnet.resnet"];

/**
 * Keystroke -> diagnostics latencies with this debounce; between keystrokes (while the server is
 * idle) the compiler's own check of the same text in this process, so that both are measured
 * under the same machine load.
 */
async function latencies(
  file: string,
  debounceMs: number,
): Promise<{ lsp: number[]; compiler: number[] }> {
  const c = new Client({ debounceMs });
  await c.initialize();
  const uri = uriOf(file);
  let text = read(file);
  await c.open(uri, text);
  await c.diagnostics(uri, 1);
  const col = text.indexOf("\n"); // the end of the first line, a comment
  const lsp: number[] = [];
  const compiler: number[] = [];
  for (let k = 0; k < KEYS + 5; k++) {
    const typed = k % 2 === 0;
    const range = typed
      ? { start: { line: 0, character: col }, end: { line: 0, character: col } }
      : { start: { line: 0, character: col }, end: { line: 0, character: col + 1 } };
    text = typed
      ? text.slice(0, col) + "x" + text.slice(col)
      : text.slice(0, col) + text.slice(col + 1);
    let t = performance.now();
    const v = c.change(uri, [{ range, text: typed ? "x" : "" }]);
    const p = await c.diagnostics(uri, v);
    const ms = performance.now() - t;
    if (p.diagnostics.length) throw new Error(`${file}: unexpected diagnostics`);
    t = performance.now();
    checkProgram(loadProgram(file, { text }));
    const own = performance.now() - t;
    if (k >= 5) {
      // the first five warm the JIT
      lsp.push(ms);
      compiler.push(own);
    }
  }
  await c.stop();
  return { lsp, compiler };
}

const q = (xs: number[], f: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))];

const rows: Record<string, unknown>[] = [];
const row = (file: string, what: string, xs: number[]) => ({
  file,
  what,
  keystrokes: xs.length,
  medianMs: +q(xs, 0.5).toFixed(1),
  p90Ms: +q(xs, 0.9).toFixed(1),
  maxMs: +Math.max(...xs).toFixed(1),
});
for (const file of FILES)
  for (const debounce of [DEFAULTS.debounceMs, 0]) {
    const { lsp, compiler } = await latencies(file, debounce);
    rows.push(row(file, `lsp, debounce ${debounce} ms`, lsp));
    rows.push(row(file, "checkProgram in-process, same moments", compiler));
  }
console.log(
  `keystroke -> diagnostics, resnetc lsp over stdio (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
);
console.table(rows);
const date = new Date().toISOString().slice(0, 10);
mkdirSync("bench/results", { recursive: true });
const path = `bench/results/${date}-lsp.json`;
writeFileSync(
  path,
  JSON.stringify(
    { date, cpus: cpus().length, cpu: cpus()[0]?.model, loadavg: loadavg(), rows },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${path}`);
