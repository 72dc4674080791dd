// The resnetc command line (commander). Each command lives in cli/commands/; this file wires the
// flags, turns errors into messages and exit codes (0 ok, 1 user error, 2 usage, 130 interrupted),
// and never lets a stack trace reach a user unless it is a bug.
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { checkCommand } from "./commands/check.js";
import { registerDataCommands } from "./commands/data.js";
import { registerLspCommand } from "./commands/lsp.js";
import { summaryCommand } from "./commands/summary.js";
import { tableCommand } from "./commands/table.js";
import { BUG_REPORT, CliError, EXIT } from "./errors.js";
import { processOutput, type Output } from "./output.js";
import { registerRuntimeCommands } from "./runtime-commands.js";
import { registerVisualCommands } from "./visual-commands.js";
import { registerPlaygroundCommand } from "./playground-command.js";

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(o: Output, setExit: (code: number) => void): Command {
  const program = new Command("resnetc")
    .description(
      "Compile .resnet specs of residual networks: check shapes, summarise, build TensorFlow.js models, train.",
    )
    .version(version(), "-V, --version")
    .showHelpAfterError("(run resnetc --help for usage)")
    .configureOutput({
      writeOut: (s) => o.out(s.replace(/\n$/, "")),
      writeErr: (s) => o.err(s.replace(/\n$/, "")),
    })
    .exitOverride();

  const variant = () =>
    new Option("--variant <v>", "only this variant (e.g. 50); default: every variant");
  const model = () => new Option("--model <name>", "only this model of the file");

  program
    .command("check")
    .description("check specs: syntax, names, numbers and the shape at every residual addition")
    .argument("<files...>", ".resnet files, directories or globs")
    .addOption(variant())
    .addOption(model())
    .option("--json", "print diagnostics as a JSON array")
    .action((files: string[], flags) => checkCommand(o, files, flags));

  program
    .command("summary")
    .description("every layer with its output shape, parameters, multiply-adds and source line")
    .argument("<files...>", ".resnet files")
    .addOption(variant())
    .addOption(model())
    .option("--blocks", "one row per block instead of per layer")
    .option("--json", "machine-readable output")
    .action((files: string[], flags) => summaryCommand(o, files, flags));

  program
    .command("table")
    .description("the paper's Table 1 layout: a column per variant, multiply-adds and params rows")
    .argument("<files...>", ".resnet files")
    .addOption(variant())
    .addOption(model())
    .option(
      "--json",
      'print {"models":[{name, variant, depth, input, params, multiplyAdds, stages}]}',
    )
    .action((files: string[], flags) => tableCommand(o, files, flags));

  registerLspCommand(program);
  registerRuntimeCommands(program, o, setExit, { variant, model });
  registerVisualCommands(program, o, setExit, { variant, model });
  registerDataCommands(program, o);
  registerPlaygroundCommand(program, o);
  return program;
}

export async function main(argv: string[], o: Output = processOutput()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(o, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    return handleError(o, e);
  }
}

export function handleError(o: Output, e: unknown): number {
  if (e instanceof CommanderError) {
    if (
      e.code === "commander.helpDisplayed" ||
      e.code === "commander.version" ||
      e.code === "commander.help"
    )
      return EXIT.ok;
    return EXIT.usage;
  }
  if (e instanceof CliError) {
    if (e.message) o.err(`resnetc: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ""}`);
    return e.exitCode;
  }
  const known = userErrorOf(e);
  if (known) {
    o.err(`resnetc: ${known}`);
    return EXIT.user;
  }
  const err = e as Error;
  o.err(
    `resnetc: internal error: ${err?.message ?? String(e)}\n${BUG_REPORT}\n${err?.stack ?? ""}`,
  );
  return EXIT.user;
}

/** Errors of the runtime that are the user's to fix (bad data, missing backend, bad checkpoint). */
const USER_ERRORS = new Set([
  "DataError",
  "BackendError",
  "TrainError",
  "CheckpointError",
  "ModelIOError",
  "MemoryError",
]);

function userErrorOf(e: unknown): string | null {
  if (e instanceof Error && USER_ERRORS.has(e.name)) return e.message;
  if (e && typeof e === "object" && "code" in e && (e as NodeJS.ErrnoException).code === "EPIPE")
    return null;
  return null;
}
