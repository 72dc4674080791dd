// Renders the README's editor screenshot from the real server: starts `resnetc lsp`, asks it for
// a hover, inlay hints and diagnostics, colours the code with the extension's TextMate grammar,
// writes a small HTML page and photographs it with headless Chromium.
//   npm run build && node --import tsx editors/screenshot.ts [out.png]   (default docs/editor.png)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Onig from "vscode-oniguruma";
import type * as Tm from "vscode-textmate";
import { Client, read, ROOT, uriOf, type LspDiagnostic } from "../specs/lsp/client.js";

// Both are CommonJS: loaded with require, so that named exports work under tsx too.
const require = createRequire(import.meta.url);
const oniguruma = require("vscode-oniguruma") as typeof Onig;
const vsctm = require("vscode-textmate") as typeof Tm;
const OUT = resolve(process.argv[2] ?? "docs/editor.png");
// The CIFAR example without its train section, edited to `shortcut identity`: an RN201.
const BAD = [...read("examples/cifar/resnet.resnet").split("\n").slice(0, 27), "}", ""]
  .join("\n")
  .replace("shortcut A", "shortcut identity");

async function grammar(): Promise<Tm.IGrammar> {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const path = resolve(ROOT, "editors/vscode/syntaxes/resnet.tmLanguage.json");
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(readFileSync(path, "utf8"), path),
  });
  return (await registry.loadGrammar("source.resnet"))!;
}

const COLOURS: [string, string][] = [
  ["comment", "#6a9955"],
  ["string", "#ce9178"],
  ["constant.numeric", "#b5cea8"],
  ["keyword.declaration", "#569cd6"],
  ["keyword", "#c586c0"],
  ["support.function", "#dcdcaa"],
  ["entity.name", "#4ec9b0"],
  ["entity.other", "#4ec9b0"],
  ["constant.language", "#4fc1ff"],
  ["variable", "#9cdcfe"],
];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function colour(g: Tm.IGrammar, lines: string[]): string[] {
  let stack = vsctm.INITIAL;
  return lines.map((line) => {
    const r = g.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens
      .map((t) => {
        const text = esc(line.slice(t.startIndex, t.endIndex));
        const scope = [...t.scopes].reverse().find((s) => s !== "source.resnet") ?? "";
        const c = COLOURS.find(([p]) => scope.startsWith(p))?.[1];
        return c ? `<span style="color:${c}">${text}</span>` : text;
      })
      .join("");
  });
}

function markdown(md: string): string {
  const html: string[] = [];
  let code = false;
  for (const l of md.split("\n")) {
    if (l.startsWith("```")) {
      html.push(code ? "</pre>" : "<pre>");
      code = !code;
      continue;
    }
    if (code) {
      html.push(esc(l) + "\n");
      continue;
    }
    const inline = esc(l)
      .replace(/\*\*(.+?)\*\*/g, "<b>$1</b>")
      .replace(/`(.+?)`/g, "<code>$1</code>");
    html.push(l.startsWith("- ") ? `<li>${inline.slice(2)}</li>` : `<div>${inline}</div>`);
  }
  return html.join("");
}

interface Pane {
  title: string;
  lines: string[];
  hints: Map<number, string>;
  popup: { line: number; html: string; error?: boolean } | null;
  squiggle: LspDiagnostic["range"] | null;
}

function pane(g: Tm.IGrammar, p: Pane): string {
  const coloured = colour(g, p.lines);
  const rows = p.lines.map((raw, i) => {
    let code = coloured[i];
    if (p.squiggle && p.squiggle.start.line === i) {
      const { character: a } = p.squiggle.start;
      const b = p.squiggle.end.character;
      const plain = colour(g, [raw.slice(0, a), raw.slice(a, b), raw.slice(b)]);
      code = `${plain[0]}<span class="squiggle">${plain[1]}</span>${plain[2]}`;
    }
    const hint = p.hints.get(i);
    const row = `<div class="row"><span class="ln">${i + 1}</span><span class="code">${code}${hint ? `<span class="hint">${esc(hint)}</span>` : ""}</span></div>`;
    const pop =
      p.popup && p.popup.line === i
        ? `<div class="popup${p.popup.error ? " error" : ""}">${p.popup.html}</div>`
        : "";
    return row + pop;
  });
  return `<div class="pane"><div class="title">${esc(p.title)}</div>${rows.join("")}</div>`;
}

const CSS = `body{margin:0;background:#1e1e1e;font:13px/19px "DejaVu Sans Mono",monospace;color:#d4d4d4;display:flex;gap:0}
.pane{flex:1;padding:0 0 12px 0;border-right:1px solid #333;min-width:0;overflow:hidden}
.title{background:#252526;color:#ccc;padding:6px 12px;font-family:"DejaVu Sans",sans-serif;font-size:12px;border-bottom:1px solid #333;margin-bottom:6px}
.row{white-space:pre;display:flex}.ln{color:#858585;width:34px;text-align:right;padding-right:14px;flex:none}
.hint{color:#8b8b8b;background:#2d2d2d;border-radius:3px;padding:0 4px;margin-left:10px;font-size:12px}
.squiggle{text-decoration:underline wavy #f14c4c;text-underline-offset:3px}
.popup{margin:2px 0 4px 48px;background:#252526;border:1px solid #454545;padding:6px 10px;white-space:normal;font-size:12px;line-height:17px;max-width:860px;box-shadow:0 2px 8px #000}
.popup.error{border-left:3px solid #f14c4c}.popup li{margin-left:14px}.popup pre{margin:4px 0;color:#9cdcfe}
.popup code{color:#ce9178}`;

async function main() {
  const g = await grammar();
  const c = new Client({ debounceMs: 0 }, { textDocument: { inlayHint: {} } });
  await c.initialize();
  const file = "examples/imagenet/resnet.resnet";
  const text = read(file);
  const lines = text.split("\n").slice(0, 25);
  const uri = uriOf(file);
  await c.open(uri, text);
  await c.diagnostics(uri, 1);
  const stagesLine = lines.findIndex((l) => l.includes("stages conv2..conv5"));
  const hover = await c.request<{ contents: { value: string } }>("textDocument/hover", {
    textDocument: { uri },
    position: { line: stagesLine, character: 4 },
  });
  const hints = await c.request<{ position: { line: number }; label: string }[]>(
    "textDocument/inlayHint",
    {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } },
    },
  );
  const badUri = pathToFileURL(resolve(ROOT, "examples/cifar/unsaved.resnet")).href;
  await c.open(badUri, BAD);
  const [d] = (await c.diagnostics(badUri, 1)).diagnostics;
  await c.stop();
  const errMd = `**${d.code}** ${d.message.replace(/\nhint: /, "\n`hint` ")}`;
  const body =
    pane(g, {
      title: `${file} — hover on the stages line; shapes as inlay hints`,
      lines,
      hints: new Map(hints.map((h) => [h.position.line, h.label])),
      popup: { line: stagesLine, html: markdown(hover.contents.value) },
      squiggle: null,
    }) +
    pane(g, {
      title: "examples/cifar/resnet.resnet, edited (unsaved): shortcut identity",
      lines: BAD.split("\n"),
      hints: new Map(),
      popup: { line: d.range.start.line, html: markdown(errMd), error: true },
      squiggle: d.range,
    });
  const dir = mkdtempSync(join(tmpdir(), "resnetc-shot-"));
  const html = join(dir, "editor.html");
  writeFileSync(
    html,
    `<!doctype html><meta charset="utf-8"><style>${CSS}</style><body>${body}</body>`,
  );
  execFileSync(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      `--screenshot=${OUT}`,
      "--window-size=1900,940",
      pathToFileURL(html).href,
    ],
    { stdio: "ignore" },
  );
  console.log(`wrote ${OUT}`);
}

await main();
