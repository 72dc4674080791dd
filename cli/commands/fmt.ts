// resnetc fmt FILE... [--check | --write]: the Prettier plugin's formatting of .resnet files.
import { readFileSync } from "node:fs";
import { formatResnet } from "../../compiler/format/index.js";
import { writeFileAtomic } from "../../runtime/io/atomic.js";
import { displayPath } from "../../grammar/diagnostic.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import { expandSpecArgs } from "../files.js";
import type { Output } from "../output.js";

export interface FmtFlags {
  check?: boolean;
  write?: boolean;
}

export async function fmtCommand(o: Output, args: string[], flags: FmtFlags): Promise<void> {
  if (flags.check && flags.write)
    throw new UsageError("--check and --write cannot be used together");
  const files = expandSpecArgs(args, o.cwd);
  if (!flags.check && !flags.write && files.length > 1) {
    throw new UsageError(
      "formatting several files needs --write (rewrite them) or --check (list unformatted ones)",
    );
  }
  const unformatted: string[] = [];
  let failed = false;
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    let formatted: string;
    try {
      formatted = await formatResnet(text, f);
    } catch (e) {
      failed = true;
      o.err(`${displayPath(f, o.cwd)}: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    if (flags.check) {
      if (formatted !== text) unformatted.push(f);
    } else if (flags.write) {
      if (formatted !== text) {
        await writeFileAtomic(f, formatted);
        o.out(`formatted ${displayPath(f, o.cwd)}`);
      }
    } else {
      process.stdout.write(formatted);
    }
  }
  if (unformatted.length) {
    for (const f of unformatted) o.err(`not formatted: ${displayPath(f, o.cwd)}`);
    o.err(`run: resnetc fmt --write ${unformatted.map((f) => displayPath(f, o.cwd)).join(" ")}`);
  }
  if (failed || unformatted.length) throw new CliError("", EXIT.user);
  if (flags.check) o.out(`${files.length} file${files.length === 1 ? "" : "s"} formatted`);
}
