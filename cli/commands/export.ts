// resnetc export MODEL_DIR -o FILE.safetensors: a built or trained model's weights, batch-norm
// statistics included, as a torchvision state dict (names, layouts and order of torchvision's
// resnet.py), so that PyTorch loads them with load_state_dict(..., strict=True).
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import type { IrGraph } from "../../compiler/ir/types.js";
import { loadLayersModel } from "../../runtime/io/model-io.js";
import { modelWeights } from "../../runtime/io/model-weights.js";
import { writeSafetensors } from "../../runtime/io/safetensors.js";
import { torchStateDict, withClasses } from "../../runtime/io/torchvision.js";
import { useBackend } from "../backend.js";
import { compileAll } from "../compile.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { onlyGraph } from "../select-one.js";
import { int } from "../text-table.js";

export interface ExportFlags {
  out: string;
  spec?: string;
  backend?: string;
}

export async function exportCommand(o: Output, dir: string, flags: ExportFlags): Promise<void> {
  if (extname(flags.out) !== ".safetensors") {
    throw new UsageError(
      `export writes a .safetensors file, got -o ${flags.out}`,
      "PyTorch reads it with safetensors.torch.load_file(FILE), then model.load_state_dict(...)",
    );
  }
  const info = readInfo(dir);
  const spec = flags.spec ?? join(dir, "spec.resnet");
  const sel = { model: info.name, ...(info.variant !== null ? { variant: info.variant } : {}) };
  let { graph } = onlyGraph(compileSpec(o, spec, sel, flags.spec === undefined), "export");
  await useBackend(o, flags.backend);
  const model = await loadLayersModel(dir);
  const units = model.getLayer("logits").outputShape.at(-1);
  if (typeof units === "number" && units !== graph.nodes[graph.logits]!.shape[0])
    graph = withClasses(graph, units); // fine-tuned for other classes
  const tensors = torchStateDict(graph, await weightsOf(graph, model, dir, spec));
  await writeSafetensors(flags.out, tensors, { format: "pt" });
  o.out(
    `exported ${int(tensors.length)} tensors of ${title(graph)} to ${relative(o.cwd, flags.out) || flags.out} (${int(statSync(flags.out).size)} bytes)`,
  );
}

function compileSpec(
  o: Output,
  spec: string,
  sel: { model: string; variant?: string },
  copy: boolean,
): ReturnType<typeof compileAll> {
  try {
    return compileAll(o, [spec], sel);
  } catch (err) {
    if (!(err instanceof CliError) || !copy) throw err;
    throw new CliError(
      `cannot compile ${spec}, the copy of the spec the model was built from`,
      EXIT.user,
      "when the spec `use`s other files, pass the original with --spec FILE",
    );
  }
}

function readInfo(dir: string): { name: string; variant: string | null } {
  const file = join(dir, "resnetc.json");
  if (!existsSync(file)) {
    throw new CliError(
      `no resnetc model in '${dir}': expected ${file}`,
      EXIT.user,
      "pass a directory written by `resnetc build -o DIR` or `resnetc train` (runs/NAME/model)",
    );
  }
  try {
    const j = JSON.parse(readFileSync(file, "utf8")) as { name: unknown; variant: unknown };
    if (typeof j.name === "string" && (j.variant === null || typeof j.variant === "string"))
      return { name: j.name, variant: j.variant };
  } catch {
    // reported below
  }
  throw new CliError(`${file} is corrupt: it does not name the model and variant`, EXIT.user);
}

async function weightsOf(
  g: IrGraph,
  model: Parameters<typeof modelWeights>[1],
  dir: string,
  spec: string,
) {
  try {
    return await modelWeights(g, model);
  } catch (err) {
    throw new CliError(
      `the model in ${dir} does not match ${spec}: ${(err as Error).message}`,
      EXIT.user,
      "pass the spec the model was built from with --spec FILE",
    );
  }
}

function title(g: IrGraph): string {
  return g.variant === null ? g.name : `${g.name} ${g.variant}`;
}
