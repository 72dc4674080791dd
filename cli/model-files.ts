// What build, train and compare write beside a model (spec.resnet, resnetc.json, classes.json),
// and what their worker threads need to rebuild it.
import { analyze } from "../compiler/ir/analysis.js";
import type { IrGraph } from "../compiler/ir/types.js";
import { CUSTOM_LAYERS_MODULE } from "../compiler/targets/tfjs/grouped-conv.js";
import type { ParallelOptions } from "../runtime/train/index.js";

/** --workers for train(): `workers` threads on `backend`, with the tfjs target's custom layer. */
export function parallelOptions(backend: string, workers: number): ParallelOptions {
  return { workers, backend, layerModules: [CUSTOM_LAYERS_MODULE] };
}

/** spec.resnet and resnetc.json (name, variant, input, params, multiply-adds, then `extra`). */
export function modelFiles(
  graph: IrGraph,
  specText: string,
  extra: Record<string, unknown> = {},
): Record<string, string> {
  const a = analyze(graph);
  const info = {
    name: graph.name,
    variant: graph.variant,
    input: graph.input,
    params: a.params,
    multiplyAdds: a.multiplyAdds,
    // true: batch norm folded into the convs (`build --fold`), for inference only.
    folded: false,
    ...extra,
  };
  return { "spec.resnet": specText, "resnetc.json": JSON.stringify(info, null, 2) + "\n" };
}

/** A trained model's files: modelFiles with the data, backend and workers, and classes.json. */
export function trainedModelFiles(
  graph: IrGraph,
  specText: string,
  data: { name: string; classes: string[] },
  backend: string,
  workers: number,
): Record<string, string> {
  return {
    ...modelFiles(graph, specText, { data: data.name, backend, workers }),
    "classes.json": JSON.stringify(data.classes) + "\n",
  };
}
