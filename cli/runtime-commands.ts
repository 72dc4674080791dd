// Commands that need TensorFlow.js (build, train, eval, predict, doctor). They load tfjs lazily so
// that check/summary/table stay fast.
import type { Command, Option } from "commander";
import type { Output } from "./output.js";

export interface SharedOptions {
  variant: () => Option;
  model: () => Option;
}

export function registerRuntimeCommands(_program: Command, _o: Output, _setExit: (code: number) => void, _opts: SharedOptions): void {}
