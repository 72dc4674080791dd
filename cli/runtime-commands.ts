// Commands that need TensorFlow.js or Prettier (build, train, eval, predict, doctor, fmt). Their
// modules are imported when the command runs, so that check/summary/table stay fast.
import { Option, type Command } from "commander";
import type { Output } from "./output.js";

export interface SharedOptions {
  variant: () => Option;
  model: () => Option;
}

const backendOption = () =>
  new Option(
    "--backend <name>",
    "auto | gpu | node | webgpu | wasm | cpu (default: $RESNETC_BACKEND or auto)",
  );

const weightsOption = () =>
  new Option(
    "--weights <file>",
    "start from a torchvision state dict: .safetensors or PyTorch .pth (never runs code from it)",
  );

export function registerRuntimeCommands(
  program: Command,
  o: Output,
  setExit: (code: number) => void,
  opts: SharedOptions,
): void {
  program
    .command("build")
    .description("compile a spec to a tfjs LayersModel (model.json + weights.bin)")
    .argument("<file>", ".resnet file")
    .requiredOption("-o, --out <dir>", "output directory (replaced atomically)")
    .addOption(opts.variant())
    .addOption(opts.model())
    .addOption(backendOption())
    .option("--seed <n>", "seed of the He initialisation")
    .addOption(weightsOption())
    .option("--fold", "for inference: batch norm folded into the conv before it (tfjs target)")
    .addOption(
      new Option(
        "--target <name>",
        "tfjs (model.json + weights.bin) | pytorch (model.py, train.py, weights.safetensors)",
      )
        .choices(["tfjs", "pytorch"])
        .default("tfjs"),
    )
    .action(async (file: string, flags) =>
      (await import("./commands/build.js")).buildCommand(o, file, flags),
    );

  program
    .command("train")
    .description("compile and train: the spec's train section, overridden by these flags")
    .argument("<file>", ".resnet file")
    .addOption(opts.variant())
    .addOption(opts.model())
    .option("--data <source>", "mnist | cifar10:DIR | folder:DIR (default: the spec's `data`)")
    .option("--epochs <n>", "number of epochs (replaces the spec's stop rule)")
    .option("--iterations <n>", "stop after this many iterations (quick trials)")
    .option("--batch-size <n>", "mini-batch size")
    .option("--lr <x>", "base learning rate")
    .addOption(backendOption())
    .option(
      "--out <dir>",
      "run directory: metrics.jsonl, checkpoint/, model/ (default runs/MODEL_VARIANT)",
    )
    .option("--resume", "continue from the run directory's checkpoint")
    .addOption(weightsOption())
    .option(
      "--freeze <stages>",
      "keep these stages' weights and BN statistics fixed, e.g. conv1..conv4 (fine-tuning)",
    )
    .option("--seed <n>", "seed for weights, data order and augmentation (default 1)")
    .option(
      "--workers <n>",
      "auto | N: split each batch over N threads, data parallel (wasm, cpu; default auto: one per core, 16+ images each)",
    )
    .addOption(
      new Option("--progress <mode>", "progress display").choices(["bar", "lines", "none"]),
    )
    .addOption(
      new Option("--corrupt <action>", "a corrupt image in an image folder")
        .choices(["stop", "skip"])
        .default("stop"),
    )
    .action(async (file: string, flags) =>
      (await import("./commands/train.js")).trainCommand(o, file, flags, setExit),
    );

  program
    .command("eval")
    .description("top-1 / top-5 error of a trained model on a data source's test split")
    .argument("<file>", "the .resnet file the model was trained from")
    .option("--model <dir>", "the model directory written by train (runs/NAME/model)")
    .addOption(weightsOption().conflicts("model"))
    .option("--data <source>", "mnist | cifar10:DIR | folder:DIR (default: the spec's `data`)")
    .option("--variant <v>", "the variant the model was trained as")
    .addOption(backendOption())
    .option("--batch-size <n>", "evaluation batch size (default 100)")
    .option("--workers <n>", "threads that share each batch: auto (one per core) or a number")
    .action(async (file: string, flags) =>
      (await import("./commands/evaluate.js")).evalCommand(o, file, flags),
    );

  program
    .command("predict")
    .description("classify image files with a trained model")
    .argument("<images...>", "image files (.png, .jpg, .webp)")
    .option("--model <dir>", "the model directory written by train (runs/NAME/model)")
    .addOption(weightsOption().conflicts("model"))
    .option("--spec <file>", "with --weights: the .resnet file of the network")
    .option("--variant <v>", "with --spec: the variant")
    .option("--top <k>", "how many classes to show (default 5; ImageNet's names for 1000 classes)")
    .option("--json", "machine-readable output")
    .addOption(backendOption())
    .option("--workers <n>", "threads that share the images: auto (one per core) or a number")
    .action(async (images: string[], flags) =>
      (await import("./commands/evaluate.js")).predictCommand(o, images, flags),
    );

  program
    .command("export")
    .description("write a model's weights as a torchvision state dict (.safetensors)")
    .argument("<dir>", "the model directory written by build or train (runs/NAME/model)")
    .requiredOption("-o, --out <file>", "the .safetensors file to write")
    .option("--spec <file>", "the .resnet file the model was built from (default: DIR/spec.resnet)")
    .addOption(backendOption())
    .action(async (dir: string, flags) =>
      (await import("./commands/export.js")).exportCommand(o, dir, flags),
    );

  program
    .command("doctor")
    .description("which tfjs backends load here, and which one auto picks")
    .option("--json", "machine-readable output")
    .action(async (flags) => (await import("./commands/doctor.js")).doctorCommand(o, flags));

  program
    .command("fmt")
    .description("format .resnet files (the Prettier plugin)")
    .argument("<files...>", ".resnet files, directories or globs")
    .option("--check", "exit 1 if a file is not formatted")
    .option("--write", "rewrite the files in place")
    .action(async (files: string[], flags) =>
      (await import("./commands/fmt.js")).fmtCommand(o, files, flags),
    );
}
