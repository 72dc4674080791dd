// Commands that draw: compare (train several models, chart their errors), plot (chart existing
// runs), graph (a diagram of a network). Their modules are imported when the command runs.
import { Option, type Command } from "commander";
import type { Output } from "./output.js";
import type { SharedOptions } from "./runtime-commands.js";

const backendOption = () =>
  new Option(
    "--backend <name>",
    "auto | gpu | node | webgpu | wasm | cpu (default: $RESNETC_BACKEND or auto)",
  );

export function registerVisualCommands(
  program: Command,
  o: Output,
  setExit: (code: number) => void,
  opts: SharedOptions,
): void {
  program
    .command("compare")
    .description(
      "train several networks with the same data, seed and recipe; chart training and test error per epoch",
    )
    .argument("<specs...>", ".resnet files, each with its variant after a colon (plain.resnet:20)")
    .option(
      "--data <source>",
      "mnist | cifar10:DIR | folder:DIR (default: the first spec's `data`)",
    )
    .option("--epochs <n>", "number of epochs (replaces the first spec's stop rule)")
    .option("--iterations <n>", "stop each network after this many iterations")
    .option("--batch-size <n>", "mini-batch size")
    .option("--lr <x>", "base learning rate")
    .option("--seed <n>", "seed for weights, data order and augmentation (default 1)")
    .addOption(backendOption())
    .option(
      "--workers <n>",
      "auto | N: split each batch over N threads, as in train (default auto)",
    )
    .option(
      "--out <dir>",
      "one run directory per network, and the chart and table (default runs/compare)",
    )
    .option(
      "--resume",
      "continue each network from its checkpoint (networks without one start over)",
    )
    .option("--ymax <pct>", "top of the error axis in percent (higher values are clipped)")
    .addOption(
      new Option("--progress <mode>", "progress display").choices(["bar", "lines", "none"]),
    )
    .action(async (specs: string[], flags) =>
      (await import("./commands/compare.js")).compareCommand(o, specs, flags, setExit),
    );

  program
    .command("plot")
    .description("chart training and test error per epoch of existing run directories")
    .argument("<dirs...>", "run directories (holding metrics.jsonl) or directories of them")
    .option(
      "-o, --output <file>",
      "write the chart to FILE.svg or FILE.png (default: SVG to stdout)",
    )
    .option("--title <text>", "a title above the chart")
    .option("--ymax <pct>", "top of the error axis in percent (higher values are clipped)")
    .action(async (dirs: string[], flags) =>
      (await import("./commands/plot.js")).plotCommand(o, dirs, flags),
    );

  program
    .command("graph")
    .description(
      "a diagram of a network by stage and block: shapes on the edges, shortcuts drawn, repeated blocks collapsed",
    )
    .argument("<file>", ".resnet file")
    .addOption(opts.variant())
    .addOption(opts.model())
    .addOption(
      new Option("--format <format>", "svg (default), dot or mermaid").choices([
        "svg",
        "dot",
        "mermaid",
      ]),
    )
    .option("-o, --output <file>", "write to FILE (.svg, .png, .dot, .mmd) instead of stdout")
    .option("--expand", "draw every block, even runs of identical ones")
    .action(async (file: string, flags) =>
      (await import("./commands/graph.js")).graphCommand(o, file, flags),
    );
}
