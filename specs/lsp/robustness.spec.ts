// The server never crashes and never blocks: every prefix of every example (character by
// character for the small ones, line by line for the rest), garbage, a 10,000-line file and a
// runaway spec all get diagnostics (or none), and hover, completion and symbols keep answering.
// Debouncing: a burst of edits is checked once, at its last version.
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, read, ROOT } from "./client.js";

const EXAMPLES = readdirSync(resolve(ROOT, "examples"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".resnet"))
  .map((f) => `examples/${f}`)
  .sort();
/** Files up to this size are fed character by character. */
const SMALL = 420;

const pos = (line: number, character: number) => ({ line, character });
const end = (text: string) => {
  const lines = text.split("\n");
  return pos(lines.length - 1, lines[lines.length - 1].length);
};

/** Opens an empty document, then appends the chunks one edit at a time, waiting for each check. */
async function feed(c: Client, uri: string, chunks: string[]): Promise<number> {
  await c.open(uri, "");
  await c.diagnostics(uri, 1);
  let text = "";
  let checks = 0;
  for (const chunk of chunks) {
    const at = end(text);
    text += chunk;
    const v = c.change(uri, [{ range: { start: at, end: at }, text: chunk }]);
    const [published] = await Promise.all([
      c.diagnostics(uri, v),
      c.request("textDocument/completion", { textDocument: { uri }, position: end(text) }),
      c.request("textDocument/documentSymbol", { textDocument: { uri } }),
    ]);
    expect(Array.isArray(published.diagnostics)).toBe(true);
    checks++;
  }
  await c.request("textDocument/hover", { textDocument: { uri }, position: pos(0, 1) });
  await c.request("textDocument/inlayHint", {
    textDocument: { uri },
    range: { start: pos(0, 0), end: end(text) },
  });
  await c.close(uri);
  return checks;
}

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe("resnetc lsp never crashes and never blocks", () => {
  let c: Client;
  beforeAll(async () => {
    c = new Client({ debounceMs: 0, checkTimeoutMs: 60_000 }, { textDocument: { inlayHint: {} } });
    await c.initialize();
  });
  afterAll(async () => {
    await c.stop();
  });

  it.each(EXAMPLES)("every prefix of %s", async (f) => {
    const text = read(f);
    const chunks = text.length <= SMALL ? [...text] : text.split(/(?<=\n)/);
    // At the example's own path, so that its `use` finds the file beside it.
    const uri = pathToFileURL(resolve(ROOT, f)).href;
    expect(await feed(c, uri, chunks)).toBe(chunks.length);
    // The full text is the example: no diagnostics for the last version.
    const last = c.published.filter((p) => p.uri === uri && p.version === chunks.length + 1);
    expect(last.map((p) => p.diagnostics)).toEqual([[]]);
    expect(c.errors).toEqual([]);
  });

  it("garbage: random characters and random words of the language", async () => {
    const r = rng(42);
    const words = [
      "model",
      "block",
      "use",
      "extends",
      "input",
      "shortcut",
      "stem",
      "variants",
      "stages",
      "stage",
      "head",
      "train",
      "x",
      "conv",
      "fc",
      "3x3",
      "224x224x3",
      "64",
      "-1",
      "1e-4",
      "..",
      "{",
      "}",
      "[",
      "]",
      "(",
      ")",
      ",",
      ";",
      ":",
      "=",
      "*",
      "/",
      '"',
      "//",
      "/*",
      "*/",
      "\n",
      "basic",
      "bottleneck",
      "A",
      "n",
      "c",
      "stride",
    ];
    const chars = 'abcxyz019 \n\t{}[]()",;:=+-*/.@#\u00e9\u{1F600}';
    for (let i = 0; i < 40; i++) {
      const n = 20 + Math.floor(r() * 400);
      const text =
        i % 2
          ? Array.from({ length: n }, () => words[Math.floor(r() * words.length)]).join(" ")
          : Array.from({ length: n }, () => [...chars][Math.floor(r() * [...chars].length)]).join(
              "",
            );
      const uri = pathToFileURL(resolve(ROOT, `tmp-lsp/garbage-${i}.resnet`)).href;
      await c.open(uri, text);
      await c.diagnostics(uri, 1);
      const lines = text.split("\n");
      for (let k = 0; k < 5; k++) {
        const line = Math.floor(r() * lines.length);
        const p = pos(line, Math.floor(r() * (lines[line].length + 1)));
        for (const m of ["hover", "completion", "definition", "signatureHelp"])
          await c.request(`textDocument/${m}`, { textDocument: { uri }, position: p });
        await c.request("textDocument/references", {
          textDocument: { uri },
          position: p,
          context: { includeDeclaration: true },
        });
      }
      await c.request("textDocument/formatting", {
        textDocument: { uri },
        options: { tabSize: 2, insertSpaces: true },
      });
      await c.close(uri);
    }
    expect(c.errors).toEqual([]);
  });

  it("a 10,000-line file: checked, and hovered and outlined", async () => {
    const blocks = Array.from(
      { length: 2500 },
      (_, i) =>
        `block b${i}(c, stride = 1) {\n  conv 3x3, c, stride stride\n  conv 3x3, c, relu none\n}`,
    ).join("\n");
    const text = `${blocks}\nmodel m {\n  input 32x32x3\n  shortcut A\n  stem { conv 3x3, 16 }\n  stages conv2..conv4 b2499 x [1, 1, 1] widths [16, 32, 64]\n  head { global avgpool; fc 10 }\n}\n`;
    expect(text.split("\n").length).toBeGreaterThan(10_000);
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/big.resnet")).href;
    await c.open(uri, text);
    expect((await c.diagnostics(uri, 1)).diagnostics).toEqual([]);
    const syms = await c.request<unknown[]>("textDocument/documentSymbol", {
      textDocument: { uri },
    });
    expect(syms.length).toBe(2501);
    const h = await c.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri },
      position: pos(10_004, 23),
    });
    expect(h.contents.value).toContain("block b2499(c, stride = 1)");
    await c.close(uri);
    // And 10,000 lines of syntax errors: one diagnostic per line.
    const bad = Array.from({ length: 10_000 }, (_, i) => `  conv 3x3 { [ ${i} x "a`).join("\n");
    const uri2 = pathToFileURL(resolve(ROOT, "tmp-lsp/big-bad.resnet")).href;
    await c.open(uri2, bad);
    const ds = (await c.diagnostics(uri2, 1)).diagnostics;
    expect(ds.length).toBe(10_000);
    expect(new Set(ds.map((d) => d.range.start.line)).size).toBe(10_000);
    await c.close(uri2);
    expect(c.errors).toEqual([]);
  });

  it("an internal error in a request is logged to the client and the server carries on", async () => {
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/internal.resnet")).href;
    await c.open(uri, read("examples/imagenet/resnet.resnet"));
    // A malformed position makes the handler throw: logged, answered with null.
    const bad = await c.request("textDocument/hover", { textDocument: { uri }, position: null });
    expect(bad).toBeNull();
    expect(c.errors.length).toBe(1);
    expect(c.errors[0]).toMatch(/^resnetc lsp: internal error while hover: /);
    const good = await c.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri },
      position: pos(4, 11),
    });
    expect(good.contents.value).toContain("**shortcut B**");
    c.errors.length = 0;
    await c.close(uri);
  });
});

describe("time limits and debouncing", () => {
  it("stops a runaway check at the time limit, says so, and checks the next edit normally", async () => {
    const c = new Client({ debounceMs: 0, checkTimeoutMs: 3000 });
    await c.initialize();
    const base = read("examples/cifar/resnet.resnet");
    // Every number within the limits (RN122), but 200 variants of 3,000 blocks each.
    const many = Array.from({ length: 200 }, (_, i) => `${5000 + i}: n = 999`).join("\n    ");
    const runaway = base.replace("1202: n = 200", many);
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/runaway.resnet")).href;
    await c.open(uri, runaway);
    const ds = (await c.diagnostics(uri, 1)).diagnostics;
    expect(ds.length).toBe(1);
    expect(ds[0].severity).toBe(2);
    expect(ds[0].message).toMatch(
      /^checking stopped (after 3000 ms|at the memory limit \(2048 MB\)): this spec is too large to check as you type; run `resnetc check` on it$/,
    );
    const v = c.change(uri, [{ text: base }]);
    expect((await c.diagnostics(uri, v)).diagnostics).toEqual([]);
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it("checks a burst of edits once, at its last version", async () => {
    const c = new Client({ debounceMs: 300 });
    await c.initialize();
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/burst.resnet")).href;
    await c.open(uri, "model m {\n}\n");
    await c.diagnostics(uri, 1);
    let v = 1;
    [..."  input 32x32x3\n"].forEach((ch, i) => {
      v = c.change(uri, [{ range: { start: pos(1, i), end: pos(1, i) }, text: ch }]);
    });
    const last = await c.diagnostics(uri, v);
    expect(last.diagnostics.map((d) => d.message.split("\n")[0])).toEqual([
      "model 'm' has no stages",
      "model 'm' has no head",
    ]);
    // Nothing was published for the versions in between.
    expect(c.published.filter((p) => p.uri === uri).map((p) => p.version)).toEqual([1, v]);
    await c.stop();
  });
});
