// Commands that act on one network (build, train, eval) need exactly one model and variant.
import type { CheckResult } from "../compiler/check.js";
import type { IrGraph } from "../compiler/ir/types.js";
import type { TrainRecipe } from "../compiler/recipe.js";
import { UsageError } from "./errors.js";

export function onlyGraph(
  results: CheckResult[],
  command: string,
): { graph: IrGraph; recipe: TrainRecipe; result: CheckResult } {
  const all = results.flatMap((r) =>
    r.graphs.map((graph) => ({ graph, recipe: r.recipes.get(graph)!, result: r })),
  );
  if (all.length === 1) return all[0]!;
  const names = all.map(({ graph: g }) => (g.variant === null ? g.name : `${g.name} ${g.variant}`));
  throw new UsageError(
    `${command} needs one network, but the spec describes ${all.length}: ${names.join(", ")}`,
    all.some(({ graph: g }) => g.variant !== null)
      ? `pick one with --variant (and --model if the file has several models)`
      : "pick one with --model",
  );
}
