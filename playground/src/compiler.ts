// The page's only door into the compiler: everything the playground shows or trains comes through
// here as plain data (diagnostics with ranges, Table 1 and summary text, the SVG graph, params),
// so that a change in the compiler's modules or IR fields is fixed in this one file.
import * as tfl from "@tensorflow/tfjs-layers";
import { analyze } from "../../compiler/ir/analysis.js";
import { checkFile } from "../../compiler/check.js";
import { diagramOf, toSvg } from "../../compiler/graph/index.js";
import type { IrGraph } from "../../compiler/ir/types.js";
import { lower } from "../../compiler/targets/tfjs/lower.js";
import type { TrainRecipe } from "../../compiler/recipe.js";
import { summaryText } from "../../cli/commands/summary.js";
import { tableText } from "../../cli/commands/table.js";
import { modelFiles } from "../../cli/model-files.js";
import { setFiles } from "./shims/fs.js";
import { LAYERS } from "../../compiler/layers.js";
import { MODEL_STATEMENTS } from "../../compiler/model-statements.js";
import { parseSource } from "../../grammar/parse.js";
import PRELUDE from "../../grammar/prelude.resnet";

/** The words the editor colours: keywords, and layer kinds with the prelude's block types. */
export function languageWords(): { keywords: string[]; layers: string[] } {
  const prelude = parseSource("prelude.resnet", PRELUDE).ast.blocks.map((b) => b.name);
  return {
    keywords: ["model", "block", "use", "extends", ...MODEL_STATEMENTS],
    layers: [...Object.keys(LAYERS), ...prelude],
  };
}

export type { TrainRecipe };

export interface PageDiagnostic {
  code: string;
  severity: "error" | "warning";
  message: string;
  hint: string | null;
  label: string | null;
  /** The file it is in (its base name) and whether that is the file in the editor. */
  file: string;
  inEditor: boolean;
  /** 1-based line and column; 0-based offsets into that file's text, end exclusive. */
  line: number;
  col: number;
  from: number;
  to: number;
}

export interface PageModel {
  title: string;
  params: number;
  multiplyAdds: number;
  depth: number;
  input: [number, number, number];
  svg: string;
  /** The spec's training recipe, as the Train tab's defaults. */
  train: { batch: number; lr: number; epochs: number };
}

export interface Compiled {
  diagnostics: PageDiagnostic[];
  models: PageModel[];
  /** `resnetc table` and `resnetc summary` of every model of the file, as text. */
  table: string;
  summary: string;
}

let graphs: IrGraph[] = [];
let recipes = new Map<IrGraph, TrainRecipe>();
let lastText = "";

function baseName(path: string): string {
  return path.split("/").pop() ?? path;
}

/**
 * Checks `text` as the file `entry` (an absolute path), with `imports` (path -> text) as the
 * files it may `use`. Keeps the graphs for buildModel.
 */
export function compile(entry: string, text: string, imports: Record<string, string>): Compiled {
  setFiles({ ...imports, [entry]: text });
  const r = checkFile(entry, {}, { text });
  graphs = r.ok ? r.graphs : [];
  recipes = r.recipes;
  lastText = text;
  const diagnostics = r.diagnostics.map((d): PageDiagnostic => {
    const s = d.span;
    return {
      code: d.code,
      severity: d.severity,
      message: d.variant ? `${d.message} (variant ${d.variant})` : d.message,
      hint: d.hint ?? null,
      label: d.label ?? null,
      file: s ? baseName(s.file) : baseName(entry),
      inEditor: s == null || s.file === entry,
      line: s?.line ?? 1,
      col: s?.col ?? 1,
      from: s?.start ?? 0,
      to: s?.end ?? 0,
    };
  });
  const models = graphs.map((g): PageModel => {
    const a = analyze(g);
    const recipe = recipes.get(g)!;
    return {
      title: g.variant === null ? g.name : `${g.name} ${g.variant}`,
      params: a.params,
      multiplyAdds: a.multiplyAdds,
      depth: a.depth,
      input: [...g.input],
      svg: toSvg(diagramOf(g)),
      train: { batch: recipe.batchSize, lr: recipe.lr, epochs: recipe.epochs },
    };
  });
  return {
    diagnostics,
    models,
    table: graphs.length ? tableText(graphs) : "",
    summary: graphs.map((g) => summaryText(g, "/", false)).join("\n\n"),
  };
}

export interface Buildable {
  model: tfl.LayersModel;
  recipe: TrainRecipe;
  /** The data the spec names (`data mnist` in its train block), or null. */
  data: string | null;
  /** spec.resnet and resnetc.json, as `resnetc train` writes them beside the model. */
  files(extra: Record<string, unknown>): Record<string, string>;
}

/** The tfjs model of the index-th model of the last compile that had no errors, He-initialised. */
export function buildModel(index: number, seed: number): Buildable {
  const g = graphs[index];
  if (g === undefined) throw new Error("the spec has errors: fix them to train");
  const text = lastText;
  const recipe = recipes.get(g)!;
  return {
    model: lower(g, { seed }),
    recipe,
    data: recipe.data,
    files: (extra) => modelFiles(g, text, extra),
  };
}
