// Commands that draw: compare (train several models, chart their errors), plot (chart existing
// runs), graph (a diagram of a network).
import type { Command } from "commander";
import type { Output } from "./output.js";
import type { SharedOptions } from "./runtime-commands.js";

export function registerVisualCommands(_program: Command, _o: Output, _setExit: (code: number) => void, _opts: SharedOptions): void {}
