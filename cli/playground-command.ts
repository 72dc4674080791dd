// `resnetc playground`: registered here, its module imported when it runs.
import type { Command } from "commander";
import type { Output } from "./output.js";

export function registerPlaygroundCommand(program: Command, o: Output): void {
  program
    .command("playground")
    .description(
      "serve the playground on 127.0.0.1: edit, check and train specs in the browser (WebGPU, WebGL or wasm)",
    )
    .argument("[specs...]", ".resnet files (default: examples/mnist/resnet.resnet)")
    .option("--port <n>", "port to listen on (default: a free one)")
    .action(async (specs: string[], flags) =>
      (await import("./commands/playground.js")).playgroundCommand(o, specs, flags),
    );
}
