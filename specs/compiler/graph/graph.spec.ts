// Diagrams of every example network: the diagram model, its DOT and mermaid text (exact structure:
// node and edge counts, clusters, collapsed ranges, shortcut kinds) and the SVG (well-formed, the
// expected elements); ResNet-50 collapsed and expanded in detail.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile } from "../../../compiler/check.js";
import { diagramOf, toDot, toMermaid, toSvg, type Diagram } from "../../../compiler/graph/index.js";
import type { IrGraph } from "../../../compiler/ir/types.js";
import { allElements, byClass, deepText, parseXml } from "../../runtime/charts/xml.js";

function exampleFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync("examples").sort()) {
    for (const f of readdirSync(join("examples", dir)).sort()) {
      if (f.endsWith(".resnet")) out.push(join("examples", dir, f));
    }
  }
  return out;
}

function graphs(file: string, variant?: string): IrGraph[] {
  const r = checkFile(file, variant === undefined ? {} : { variant });
  expect(r.diagnostics).toEqual([]);
  return r.graphs;
}

function one(file: string, variant: string, model?: string): IrGraph {
  const r = checkFile(file, { variant, ...(model ? { model } : {}) });
  expect(r.graphs).toHaveLength(1);
  return r.graphs[0]!;
}

/** "conv2_1:projection", "conv2_2 .. conv2_3 (x2):identity". */
function blockList(d: Diagram): string[] {
  return d.blocks.map(
    (b) => `${b.count === 1 ? b.first : `${b.first} .. ${b.last} (x${b.count})`}:${b.shortcut}`,
  );
}

interface DotParts {
  nodes: Map<string, string>;
  edges: { from: string; to: string; attrs: string }[];
  clusters: string[];
}

/** Reads the DOT text back: node statements, edge statements, clusters; braces must balance. */
function parseDot(dot: string): DotParts {
  const lines = dot.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^digraph "[^"]+" \{$/);
  expect(lines[lines.length - 1]).toBe("}");
  let depth = 0;
  const nodes = new Map<string, string>();
  const edges: DotParts["edges"] = [];
  const clusters: string[] = [];
  for (const l of lines) {
    const t = l.trim();
    if (t.endsWith("{")) depth++;
    if (t === "}") depth--;
    expect(depth).toBeGreaterThanOrEqual(0);
    const c = /^subgraph "cluster_([^"]+)" \{$/.exec(t);
    if (c) clusters.push(c[1]!);
    const e = /^(n\d+) -> (n\d+) \[(.*)\];$/.exec(t);
    if (e) {
      edges.push({ from: e[1]!, to: e[2]!, attrs: e[3]! });
      continue;
    }
    const n = /^(n\d+) \[(.*)\];$/.exec(t);
    if (n) {
      expect(nodes.has(n[1]!)).toBe(false);
      nodes.set(n[1]!, n[2]!);
    }
  }
  expect(depth).toBe(0);
  return { nodes, edges, clusters };
}

function checkDot(d: Diagram): void {
  const dot = parseDot(toDot(d));
  expect([...dot.nodes.keys()].sort()).toEqual(d.nodes.map((n) => n.id).sort());
  expect(dot.edges).toHaveLength(d.edges.length);
  for (const e of dot.edges) {
    expect(dot.nodes.has(e.from)).toBe(true);
    expect(dot.nodes.has(e.to)).toBe(true);
  }
  expect(dot.clusters).toEqual(d.groups.map((g) => g.name));
  const count = (cls: string) => dot.edges.filter((e) => e.attrs.includes(`class="${cls}"`)).length;
  const blocks = (k: string) => d.blocks.filter((b) => b.shortcut === k).length;
  expect(count("shortcut identity")).toBe(blocks("identity"));
  expect(count("shortcut zeropad")).toBe(blocks("zeropad"));
  expect(count("shortcut projection")).toBe(2 * blocks("projection"));
  expect(count("main")).toBe(
    d.edges.length - blocks("identity") - blocks("zeropad") - 2 * blocks("projection"),
  );
  for (const e of dot.edges.filter((x) => x.attrs.includes("zeropad")))
    expect(e.attrs).toContain("style=dashed");
  expect([...dot.nodes.values()].filter((a) => a.includes("peripheries=2"))).toHaveLength(
    d.nodes.filter((n) => n.kind === "block" && n.count > 1).length,
  );
}

function checkMermaid(d: Diagram): void {
  const lines = toMermaid(d).trimEnd().split("\n");
  expect(lines[0]).toBe("flowchart TB");
  const t = lines.map((l) => l.trim());
  expect(t.filter((l) => l.startsWith("subgraph "))).toHaveLength(d.groups.length);
  expect(t.filter((l) => l === "end")).toHaveLength(d.groups.length);
  const nodeLines = t.filter((l) => /^n\d+[[(]/.test(l));
  expect(nodeLines.map((l) => /^(n\d+)/.exec(l)![1]).sort()).toEqual(
    d.nodes.map((n) => n.id).sort(),
  );
  const links = t.filter((l) => /^n\d+ (-->|-\.->|==>)\|/.test(l));
  expect(links).toHaveLength(d.edges.length);
  const blocks = (k: string) => d.blocks.filter((b) => b.shortcut === k).length;
  expect(links.filter((l) => l.includes(" -.->"))).toHaveLength(
    blocks("identity") + blocks("zeropad"),
  );
  expect(links.filter((l) => l.includes(" ==>"))).toHaveLength(2 * blocks("projection"));
  expect(t.filter((l) => l.startsWith("linkStyle "))).toHaveLength(
    blocks("identity") + blocks("zeropad") + 2 * blocks("projection"),
  );
  expect(nodeLines.filter((l) => /^n\d+\(\("/.test(l))).toHaveLength(
    d.nodes.filter((n) => n.kind === "add").length,
  );
}

/** Invariants of any diagram. */
function checkDiagram(g: IrGraph, d: Diagram): void {
  expect(d.nodes[0]!.kind).toBe("input");
  expect(d.nodes[d.nodes.length - 1]!.kind).toBe("output");
  expect(d.nodes[d.nodes.length - 1]!.shape).toEqual(g.nodes[g.output]!.shape);
  // Every block of every stage is drawn once, alone or in a collapsed run.
  for (const grp of g.groups.filter((x) => x.kind === "stage")) {
    const sum = d.blocks.filter((b) => b.group === grp.name).reduce((s, b) => s + b.count, 0);
    expect(sum).toBe(grp.blocks);
  }
  for (const b of d.blocks) {
    const node = d.nodes.find((n) => n.id === b.node)!;
    expect(node.title).toBe(b.count === 1 ? b.first : `${b.first} .. ${b.last} (x${b.count})`);
    if (b.shortcut === "none") {
      expect(b.add).toBeNull();
      continue;
    }
    const into = d.edges.filter((e) => e.to === b.add);
    expect(into.filter((e) => e.kind === "main").map((e) => e.from)).toEqual([b.node]);
    expect(into.filter((e) => e.kind === "shortcut").map((e) => e.shortcut)).toEqual([b.shortcut]);
    expect(b.projection !== null).toBe(b.shortcut === "projection");
  }
  // The main path is a chain from the input to the output.
  const main = d.edges.filter((e) => e.kind === "main");
  expect(new Set(main.map((e) => e.from)).size).toBe(main.length);
}

describe("every example: diagram, DOT and mermaid", () => {
  for (const file of exampleFiles()) {
    it(file, () => {
      for (const g of graphs(file)) {
        const d = diagramOf(g);
        checkDiagram(g, d);
        checkDot(d);
        checkMermaid(d);
      }
    });
  }
});

describe("collapsed runs and shortcut kinds", () => {
  it("ResNet-50 (option B, bottleneck)", () => {
    const d = diagramOf(one("examples/imagenet/resnet.resnet", "50"));
    expect(blockList(d)).toEqual([
      "conv2_1:projection",
      "conv2_2 .. conv2_3 (x2):identity",
      "conv3_1:projection",
      "conv3_2 .. conv3_4 (x3):identity",
      "conv4_1:projection",
      "conv4_2 .. conv4_6 (x5):identity",
      "conv5_1:projection",
      "conv5_2 .. conv5_3 (x2):identity",
    ]);
    // input, conv1, maxpool, 8 blocks + 8 additions + 4 projections, avgpool, fc, softmax, output
    expect(d.nodes).toHaveLength(27);
    expect(d.nodes.map((n) => n.kind).filter((k) => k === "layer")).toHaveLength(5);
    expect(d.edges).toHaveLength(34);
    expect(d.groups.map((g) => g.label)).toEqual([
      "conv1",
      "conv2: bottleneck x 3, shortcut B, 56x56x256",
      "conv3: bottleneck x 4, shortcut B, 28x28x512",
      "conv4: bottleneck x 6, shortcut B, 14x14x1024",
      "conv5: bottleneck x 3, shortcut B, 7x7x2048",
      "head",
    ]);
    const dot = toDot(d);
    expect(dot).toContain(
      'n16 [label="conv4_2 .. conv4_6 (x5)\\n1x1 conv, 256 · BN · ReLU\\n3x3 conv, 256 · BN · ReLU\\n1x1 conv, 1024 · BN", peripheries=2, class="block"];',
    );
    expect(dot).toContain(
      'n14 [label="projection\\n1x1 conv, 1024, /2 · BN", color="#d95f02", class="projection"];',
    );
    expect(dot).toContain('n12 -> n14 [label="28x28x512", color="#d95f02"');
    expect(dot).toContain('n15 -> n17 [label="identity", color="#2b7bba"');
    expect(dot).toContain('n0 -> n1 [label="224x224x3", class="main"];');
    expect(dot).toContain('n24 -> n25 [label="1000", class="main"];');
    const mm = toMermaid(d);
    expect(mm).toContain('  subgraph g_conv4["conv4: bottleneck x 6, shortcut B, 14x14x1024"]');
    expect(mm).toContain(
      '    n16["conv4_2 .. conv4_6 (x5)<br/>1x1 conv, 256 · BN · ReLU<br/>3x3 conv, 256 · BN · ReLU<br/>1x1 conv, 1024 · BN"]',
    );
    expect(mm).toContain('  n15 -.->|"identity"| n17');
    expect(mm).toContain('  n14 ==>|"14x14x1024"| n15');
  });

  it("ResNet-50 expanded: all 16 blocks", () => {
    const d = diagramOf(one("examples/imagenet/resnet.resnet", "50"), { expand: true });
    expect(d.blocks).toHaveLength(16);
    expect(d.blocks.every((b) => b.count === 1)).toBe(true);
    expect(d.nodes).toHaveLength(3 + 16 + 16 + 4 + 3 + 1);
    expect(blockList(d).slice(0, 4)).toEqual([
      "conv2_1:projection",
      "conv2_2:identity",
      "conv2_3:identity",
      "conv3_1:projection",
    ]);
  });

  it("ResNet-101 and -152: conv4_2 .. conv4_23 (x22), conv4_2 .. conv4_36 (x35)", () => {
    expect(blockList(diagramOf(one("examples/imagenet/resnet.resnet", "101")))[5]).toBe(
      "conv4_2 .. conv4_23 (x22):identity",
    );
    expect(blockList(diagramOf(one("examples/imagenet/resnet.resnet", "152")))[5]).toBe(
      "conv4_2 .. conv4_36 (x35):identity",
    );
  });

  it("CIFAR ResNet-20: option A zero-padding where the shape changes, identity elsewhere", () => {
    const d = diagramOf(one("examples/cifar/resnet.resnet", "20"));
    expect(blockList(d)).toEqual([
      "conv2_1 .. conv2_3 (x3):identity",
      "conv3_1:zeropad",
      "conv3_2 .. conv3_3 (x2):identity",
      "conv4_1:zeropad",
      "conv4_2 .. conv4_3 (x2):identity",
    ]);
    expect(d.edges.filter((e) => e.shortcut === "zeropad").map((e) => e.label)).toEqual([
      "zero-pad (A): /2, +16 ch",
      "zero-pad (A): /2, +32 ch",
    ]);
    expect(d.nodes.filter((n) => n.kind === "projection")).toHaveLength(0);
  });

  it("CIFAR plain-20: no shortcuts, no additions", () => {
    const d = diagramOf(one("examples/cifar/plain.resnet", "20"));
    expect(blockList(d)).toEqual([
      "conv2_1 .. conv2_3 (x3):none",
      "conv3_1:none",
      "conv3_2 .. conv3_3 (x2):none",
      "conv4_1:none",
      "conv4_2 .. conv4_3 (x2):none",
    ]);
    expect(d.edges.every((e) => e.kind === "main")).toBe(true);
    expect(d.nodes.filter((n) => n.kind === "add")).toHaveLength(0);
    expect(d.nodes.find((n) => n.title === "conv3_1")!.lines).toEqual([
      "3x3 conv, 32, /2 · BN · ReLU",
      "3x3 conv, 32 · BN · ReLU",
    ]);
    expect(toMermaid(d)).not.toContain("-.->");
  });

  it("ResNet-34 with options A, B and C (Table 3)", () => {
    const kinds = (model: string) =>
      diagramOf(one("examples/imagenet/shortcuts.resnet", "34", model)).blocks.map(
        (b) => b.shortcut,
      );
    expect(kinds("resnet34_a")).toEqual([
      "identity",
      "zeropad",
      "identity",
      "zeropad",
      "identity",
      "zeropad",
      "identity",
    ]);
    expect(kinds("resnet34_b")).toEqual([
      "identity",
      "projection",
      "identity",
      "projection",
      "identity",
      "projection",
      "identity",
    ]);
    expect(kinds("resnet34_c")).toEqual(Array(7).fill("projection"));
  });

  it("pre-activation blocks: BN · ReLU first, nothing after the addition", () => {
    const d = diagramOf(one("examples/imagenet/preact.resnet", "18"));
    const b = d.nodes.find((n) => n.title === "conv3_1")!;
    expect(b.lines).toEqual(["BN · ReLU", "3x3 conv, 128, /2 · BN · ReLU", "3x3 conv, 128"]);
    expect(d.nodes.filter((n) => n.kind === "add").every((n) => n.lines.length === 0)).toBe(true);
  });
});

describe("SVG", () => {
  it("ResNet-50: well-formed, a node per block, the shortcuts drawn by kind", () => {
    const d = diagramOf(one("examples/imagenet/resnet.resnet", "50"));
    const doc = parseXml(toSvg(d));
    expect(doc.name).toBe("svg");
    expect(byClass(doc, "node block").map((g) => deepText(g).split("1x1")[0])).toEqual([
      "conv2_1",
      "conv2_2 .. conv2_3 (x2)",
      "conv3_1",
      "conv3_2 .. conv3_4 (x3)",
      "conv4_1",
      "conv4_2 .. conv4_6 (x5)",
      "conv5_1",
      "conv5_2 .. conv5_3 (x2)",
    ]);
    expect(byClass(doc, "node add")).toHaveLength(8);
    expect(byClass(doc, "node projection")).toHaveLength(4);
    expect(byClass(doc, "edge shortcut identity")).toHaveLength(4);
    expect(byClass(doc, "edge shortcut projection")).toHaveLength(8);
    expect(byClass(doc, "edge main")).toHaveLength(d.edges.filter((e) => e.kind === "main").length);
    expect(byClass(doc, "group").map((g) => g.attrs["data-group"])).toEqual([
      "conv1",
      "conv2",
      "conv3",
      "conv4",
      "conv5",
      "head",
    ]);
    expect(byClass(doc, "edge main").map(deepText).slice(0, 3)).toEqual([
      "224x224x3",
      "112x112x64",
      "56x56x64",
    ]);
  });

  it("every example's SVG is well-formed; option A is dashed", () => {
    for (const file of exampleFiles()) {
      for (const g of graphs(file)) parseXml(toSvg(diagramOf(g)));
    }
    const doc = parseXml(toSvg(diagramOf(one("examples/cifar/resnet.resnet", "20"))));
    const zp = byClass(doc, "edge shortcut zeropad");
    expect(zp).toHaveLength(2);
    for (const e of zp) {
      const path = allElements(e).find((x) => x.name === "path")!;
      expect(path.attrs["stroke-dasharray"]).toBeDefined();
      expect(deepText(e)).toMatch(/^zero-pad \(A\): \/2, \+\d+ ch$/);
    }
  });
});
