// The real `resnetc lsp` over stdio, driven with vscode-jsonrpc as an editor would: diagnostics
// as you type (the same as `resnetc check --json`), hover, definition, references, rename,
// completion, signature help, symbols, inlay hints and formatting.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnetc } from "../cli/run.js";
import { Client, read, ROOT, uriOf, type LspDiagnostic } from "./client.js";

const BAD = `model bad {
  input 32x32x3
  shortcut identity
  stem { conv 3x3, 16 }
  stages conv2..conv4 basic x [3, 3, 3] widths [16, 32, 64] strides [1, 2, 2]
  head { global avgpool; fc 10 }
}
`;
const IMAGENET = "examples/imagenet/resnet.resnet";

/** What `resnetc check --json` says about a text, as the LSP diagnostics it should become. */
function cliDiagnostics(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "resnetc-lsp-"));
  writeFileSync(join(dir, "spec.resnet"), text);
  const r = resnetc(["check", "--json", "spec.resnet"], { cwd: dir });
  const ds = JSON.parse(r.stdout) as {
    code: string;
    message: string;
    line: number;
    column: number;
    length: number;
    hint?: string;
  }[];
  return ds.map((d) => ({
    code: d.code,
    line: d.line - 1,
    start: d.column - 1,
    end: d.column - 1 + d.length,
    message: d.message,
    hint: d.hint,
  }));
}

function simplify(ds: LspDiagnostic[]) {
  return ds.map((d) => ({
    code: d.code,
    line: d.range.start.line,
    start: d.range.start.character,
    end: d.range.end.character,
    message: d.message.split("\n")[0],
    hint: /\nhint: (.*)$/.exec(d.message)?.[1],
  }));
}

const pos = (line: number, character: number) => ({ line, character });

describe("resnetc lsp over stdio", () => {
  let c: Client;
  beforeAll(async () => {
    c = new Client({ debounceMs: 10 }, { textDocument: { inlayHint: {} } });
    await c.initialize();
  });
  afterAll(async () => {
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it("reports an RN201 at the range and with the message and hint of `resnetc check`, then clears it after an incremental fix", async () => {
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/bad.resnet")).href;
    await c.open(uri, BAD);
    const first = await c.diagnostics(uri, 1);
    const expected = cliDiagnostics(BAD);
    expect(expected.map((d) => d.code)).toEqual(["RN201", "RN201"]);
    expect(simplify(first.diagnostics)).toEqual(expected);
    expect(first.diagnostics[0].range).toEqual({ start: pos(4, 2), end: pos(4, 21) });
    expect(first.diagnostics[0].severity).toBe(1);
    // `shortcut identity` -> `shortcut A`, as one ranged edit.
    const v = c.change(uri, [{ range: { start: pos(2, 11), end: pos(2, 19) }, text: "A" }]);
    expect((await c.diagnostics(uri, v)).diagnostics).toEqual([]);
    await c.close(uri);
  });

  it("publishes exactly what `resnetc check --json` reports for every example", async () => {
    for (const f of ["examples/cifar/resnet.resnet", "examples/mnist/resnet.resnet", IMAGENET]) {
      const uri = uriOf(f);
      await c.open(uri, read(f));
      expect((await c.diagnostics(uri, 1)).diagnostics).toEqual([]);
      await c.close(uri);
    }
    const broken = read("examples/cifar/resnet.resnet")
      .replace("basic x [n, n, n]", "basik x [n, n, n]")
      .replace("widths [16, 32, 64]", "widths [16, 32, 64.5]")
      .replace("shortcut A", "shortcut E");
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/broken.resnet")).href;
    const from = c.published.length;
    await c.open(uri, broken);
    const got = simplify((await c.diagnostics(uri, 1, from)).diagnostics);
    expect(got).toEqual(cliDiagnostics(broken));
    expect(got.map((d) => d.code)).toEqual(["RN109", "RN101"]);
    await c.close(uri);
  });

  it("hovers `stages conv2..conv5` in the ImageNet example with every stage's shape per variant (Table 1)", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    const line = read(IMAGENET)
      .split("\n")
      .findIndex((l) => l.includes("stages conv2..conv5"));
    const h = await c.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri },
      position: pos(line, 4),
    });
    const v = h.contents.value;
    // Table 1's output sizes: 56x56, 28x28, 14x14, 7x7; widths x1 (basic) or x4 (bottleneck).
    expect(v).toContain(
      "conv2_x: 56x56x64, 2 blocks, 3x3 max pool, stride 2; [3x3, 64; 3x3, 64] x 2",
    );
    expect(v).toContain("conv4_x: 14x14x1024, 6 blocks, [1x1, 256; 3x3, 256; 1x1, 1024] x 6");
    expect(v).toContain("(resnet 50)");
    expect(v).toContain("conv4_x: 14x14x1024, 23 blocks");
    expect(v).toContain("conv5_x: 7x7x512, 3 blocks");
    expect(v).toMatch(/conv5_x: 7x7x2048, 3 blocks, .*\(resnet 50, resnet 101, resnet 152\)/);
    await c.close(uri);
  });

  it("hovers a stem line with its output, parameters and multiply-adds", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    const h = await c.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri },
      position: pos(7, 14),
    });
    // conv 7x7, 64, stride 2 on 224x224x3 -> 112x112x64; BN adds 2 x 64 trainable parameters.
    const params = 7 * 7 * 3 * 64 + 2 * 64;
    const madds = 112 * 112 * 64 * 7 * 7 * 3;
    expect(h.contents.value).toBe(
      `output 112x112x64, ${params.toLocaleString("en-US")} params, ${madds.toLocaleString("en-US")} multiply-adds`,
    );
    await c.close(uri);
  });

  it("hovers a layer of a prelude block, opened beside a spec that uses it, with its output per stage", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    await c.diagnostics(uri, 1);
    const prelude = uriOf("grammar/prelude.resnet");
    const ptext = read("grammar/prelude.resnet");
    await c.open(prelude, ptext);
    const line = ptext
      .split("\n")
      .findIndex((l) => l.includes("conv 1x1, expansion * c, relu none"));
    const h = await c.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri: prelude },
      position: pos(line, 4),
    });
    expect(h.contents.value).toBe(
      "output, per stage:\n- conv2 56x56x256, conv3 28x28x512, conv4 14x14x1024, conv5 7x7x2048 (resnet 50, resnet 101, resnet 152)",
    );
    await c.close(prelude);
    await c.close(uri);
  });

  it("takes `bottleneck` to its definition in the prelude", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    const line = read(IMAGENET)
      .split("\n")
      .findIndex((l) => l.includes("50: bottleneck"));
    const loc = await c.request<{ uri: string; range: object }>("textDocument/definition", {
      textDocument: { uri },
      position: pos(line, 10),
    });
    expect(loc.uri).toBe(uriOf("grammar/prelude.resnet"));
    const prelude = read("grammar/prelude.resnet").split("\n");
    const defLine = prelude.findIndex((l) => l.startsWith("block bottleneck("));
    expect(loc.range).toEqual({ start: pos(defLine, 6), end: pos(defLine, 16) });
    await c.close(uri);
  });

  it("offers bottleneck_v15 (and the other prelude blocks) after a variant key, and layer kinds in a stem", async () => {
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/typing.resnet")).href;
    const text =
      "model m {\n  input 32x32x3\n  variants {\n    50: bottl\n  }\n  stem {\n    \n  }\n}\n";
    await c.open(uri, text);
    type Item = { label: string; detail?: string };
    const items = await c.request<Item[]>("textDocument/completion", {
      textDocument: { uri },
      position: pos(3, 13),
    });
    expect(items.map((i) => i.label).sort()).toEqual(
      [
        "basic",
        "bottleneck",
        "bottleneck_v15",
        "preact_basic",
        "preact_bottleneck",
        "resnext_bottleneck",
        "se_bottleneck",
        "wide_basic",
      ].sort(),
    );
    expect(items.find((i) => i.label === "bottleneck_v15")?.detail).toBe(
      "block bottleneck_v15(c, stride = 1, expansion = 4)",
    );
    const layers = await c.request<Item[]>("textDocument/completion", {
      textDocument: { uri },
      position: pos(6, 4),
    });
    expect(layers.map((i) => i.label)).toEqual([
      "conv",
      "bn",
      "relu",
      "maxpool",
      "avgpool",
      "global",
    ]);
    await c.close(uri);
  });

  it("formats with the result of `resnetc fmt`", async () => {
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/fmt.resnet")).href;
    await c.open(uri, BAD);
    const edits = await c.request<{ newText: string; range: object }[]>("textDocument/formatting", {
      textDocument: { uri },
      options: { tabSize: 2, insertSpaces: true },
    });
    const dir = mkdtempSync(join(tmpdir(), "resnetc-fmt-"));
    writeFileSync(join(dir, "spec.resnet"), BAD);
    const fmt = resnetc(["fmt", "spec.resnet"], { cwd: dir });
    expect(fmt.code).toBe(0);
    expect(edits).toEqual([{ range: { start: pos(0, 0), end: pos(7, 0) }, newText: fmt.stdout }]);
    await c.close(uri);
  });

  it("puts the output shape at the end of stem, stage and head lines (inlay hints)", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    const hints = await c.request<
      { position: { line: number; character: number }; label: string }[]
    >("textDocument/inlayHint", {
      textDocument: { uri },
      range: { start: pos(0, 0), end: pos(40, 0) },
    });
    const lines = read(IMAGENET).split("\n");
    const at = (needle: string) => {
      const l = lines.findIndex((x) => x.includes(needle));
      return hints.find((h) => h.position.line === l)?.label;
    };
    expect(at("conv1: conv 7x7")).toBe("→ 112x112x64");
    expect(at("conv2: maxpool")).toBe("→ 56x56x64");
    expect(at("stages conv2..conv5")).toBe(
      "→ conv2 56x56x64 | 56x56x256, conv3 28x28x128 | 28x28x512, conv4 14x14x256 | 14x14x1024, conv5 7x7x512 | 7x7x2048",
    );
    expect(at("fc 1000")).toBe("→ 1000");
    await c.close(uri);
  });

  it("finds the references of `basic` across the workspace's examples and in the prelude", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    const line = read(IMAGENET)
      .split("\n")
      .findIndex((l) => l.includes("18: basic"));
    const refs = await c.request<{ uri: string; range: { start: { line: number } } }[]>(
      "textDocument/references",
      { textDocument: { uri }, position: pos(line, 9), context: { includeDeclaration: true } },
    );
    const found = refs.map(
      (r) => `${r.uri.slice(pathToFileURL(ROOT).href.length + 1)}:${r.range.start.line + 1}`,
    );
    // Independent count: every line of the examples that names `basic` as a block type.
    const expected = ["grammar/prelude.resnet:7"];
    for (const f of [
      "examples/cifar/resnet.resnet",
      "examples/degradation/resnet.resnet",
      IMAGENET,
      "examples/imagenet/plain.resnet",
      "examples/imagenet/shortcuts.resnet",
      "examples/mnist/resnet.resnet",
      "examples/imagenet/preact.resnet",
      "examples/imagenet/resnet-v15.resnet",
      "examples/cifar/resnet110.resnet",
      "examples/cifar/plain.resnet",
      "examples/degradation/plain.resnet",
    ])
      read(f)
        .split("\n")
        .forEach((l, i) => /(:|\.\.\w+)\s+basic\b/.test(l) && expected.push(`${f}:${i + 1}`));
    expect(found.sort()).toEqual(expected.sort());
    await c.close(uri);
  });

  it("renames a user block type in its file and in the open file that uses it, but not a prelude block", async () => {
    const lib = pathToFileURL(resolve(ROOT, "tmp-lsp/lib.resnet")).href;
    const main = pathToFileURL(resolve(ROOT, "tmp-lsp/main.resnet")).href;
    await c.open(lib, "block wide(c, stride = 1) {\n  conv 3x3, c, stride stride\n}\n");
    await c.open(
      main,
      'use "lib.resnet"\nmodel m {\n  input 32x32x3\n  stages conv2..conv3 wide x [1, 1] widths [8, 16]\n  head { global avgpool; fc 10 }\n}\n',
    );
    const edit = await c.request<{ changes: Record<string, { range: object; newText: string }[]> }>(
      "textDocument/rename",
      { textDocument: { uri: main }, position: pos(3, 23), newName: "wider" },
    );
    expect(edit.changes).toEqual({
      [lib]: [{ range: { start: pos(0, 6), end: pos(0, 10) }, newText: "wider" }],
      [main]: [{ range: { start: pos(3, 22), end: pos(3, 26) }, newText: "wider" }],
    });
    await expect(
      c.request("textDocument/rename", {
        textDocument: { uri: main },
        position: pos(3, 23),
        newName: "9lives",
      }),
    ).rejects.toThrow("'9lives' is not a name");
    await c.close(lib);
    await c.close(main);
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    await expect(
      c.request("textDocument/prepareRename", { textDocument: { uri }, position: pos(12, 9) }),
    ).rejects.toThrow("'basic' is a prelude block");
    await c.close(uri);
  });

  it("reads open, unsaved buffers of imported files and rechecks the files that use an edited one", async () => {
    const lib = pathToFileURL(resolve(ROOT, "tmp-lsp/unsaved-lib.resnet")).href;
    const main = pathToFileURL(resolve(ROOT, "tmp-lsp/unsaved-main.resnet")).href;
    await c.open(lib, "block simple(c, stride = 1) {\n  conv 3x3, c, stride stride\n}\n");
    await c.diagnostics(lib, 1);
    await c.open(
      main,
      'use "unsaved-lib.resnet"\nmodel m {\n  input 32x32x3\n  shortcut B\n  stages conv2..conv3 simple x [1, 1] widths [8, 16]\n  head { global avgpool; fc 10 }\n}\n',
    );
    // Neither file exists on disk: the import is read from the open buffer.
    expect((await c.diagnostics(main, 1)).diagnostics).toEqual([]);
    const from = c.published.length;
    c.change(lib, [{ range: { start: pos(0, 6), end: pos(0, 12) }, text: "simpler" }]);
    const again = await c.diagnostics(main, 1, from);
    expect(again.diagnostics.map((d) => [d.code, d.message.split("\n")[0]])).toEqual([
      ["RN101", "unknown block type 'simple'"],
    ]);
    await c.close(lib);
    await c.close(main);
  });

  it("outlines models, variants, stages and blocks", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    type Sym = { name: string; children?: Sym[] };
    const syms = await c.request<Sym[]>("textDocument/documentSymbol", { textDocument: { uri } });
    const tree = (s: Sym): unknown =>
      s.children?.length ? { [s.name]: s.children.map(tree) } : s.name;
    expect(syms.map(tree)).toEqual([
      {
        resnet: [
          "stem",
          { variants: ["18", "34", "50", "101", "152"] },
          "conv2",
          "conv3",
          "conv4",
          "conv5",
          "head",
          "train",
        ],
      },
    ]);
    await c.close(uri);
  });

  it("shows the signature of a block call with the parameter being typed", async () => {
    const uri = pathToFileURL(resolve(ROOT, "tmp-lsp/sig.resnet")).href;
    const text = "model m {\n  stages conv2..conv5 bottleneck(expansion = 2\n}\n";
    await c.open(uri, text);
    const h = await c.request<{ signatures: { label: string }[]; activeParameter: number }>(
      "textDocument/signatureHelp",
      { textDocument: { uri }, position: pos(1, 46) },
    );
    expect(h.signatures[0].label).toBe("block bottleneck(c, stride = 1, expansion = 4)");
    expect(h.activeParameter).toBe(2);
    await c.close(uri);
  });

  it("hovers a shortcut option with its meaning and a block name with its definition", async () => {
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    const hover = async (line: number, ch: number) =>
      (
        await c.request<{ contents: { value: string } }>("textDocument/hover", {
          textDocument: { uri },
          position: pos(line, ch),
        })
      ).contents.value;
    expect(await hover(4, 11)).toBe(
      "**shortcut B**: option B: a 1x1 strided projection + BN where the shape changes, identity elsewhere.",
    );
    const block = await hover(14, 10);
    expect(block).toContain("block bottleneck(c, stride = 1, expansion = 4)");
    expect(block).toContain("defined in the prelude (prelude.resnet:13)");
    await c.close(uri);
  });
});

describe("the server process", () => {
  it("exits 0 after shutdown and exit, and when the editor closes its stdin", async () => {
    const a = new Client();
    await a.initialize();
    await a.stop();
    expect(a.proc.exitCode).toBe(0);
    const b = new Client();
    await b.initialize();
    const exited = new Promise((r) => b.proc.on("exit", r));
    b.proc.stdin!.end();
    await exited;
    expect(b.proc.exitCode).toBe(0);
    b.rpc.dispose();
  });
});

describe("clients without inlay hints, and `use` paths", () => {
  it("gets the shapes as code lenses, and goes to the file a `use` names", async () => {
    const c = new Client({ debounceMs: 0 });
    const init = await c.initialize();
    expect(init.capabilities.codeLensProvider).toEqual({});
    expect(init.capabilities.inlayHintProvider).toBeUndefined();
    const uri = uriOf(IMAGENET);
    await c.open(uri, read(IMAGENET));
    const lenses = await c.request<
      { range: { start: { line: number } }; command: { title: string } }[]
    >("textDocument/codeLens", { textDocument: { uri } });
    expect(lenses.find((l) => l.range.start.line === 7)?.command.title).toBe("→ 112x112x64");
    const plain = "examples/cifar/plain.resnet";
    const puri = uriOf(plain);
    await c.open(puri, read(plain));
    const line = read(plain)
      .split("\n")
      .findIndex((l) => l.startsWith("use "));
    const loc = await c.request<{ uri: string; range: object }>("textDocument/definition", {
      textDocument: { uri: puri },
      position: pos(line, 6),
    });
    expect(loc).toEqual({
      uri: uriOf("examples/cifar/resnet.resnet"),
      range: { start: pos(0, 0), end: pos(0, 0) },
    });
    expect(c.errors).toEqual([]);
    await c.stop();
  });
});
