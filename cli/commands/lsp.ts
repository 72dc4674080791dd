// resnetc lsp: the language server on stdin/stdout (editors start it; see editors/vscode/). The
// server's modules are loaded only when this command runs, so other commands start as fast.
import type { Command } from "commander";

export function registerLspCommand(program: Command): void {
  program
    .command("lsp")
    .description("the language server for editors, on stdin/stdout (see editors/vscode)")
    .option("--stdio", "talk over stdin/stdout (the default and only transport)")
    .action(() => lspCommand());
}

async function lspCommand(): Promise<void> {
  const { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } =
    await import("vscode-languageserver/node.js");
  const { startServer } = await import("../../lsp/server.js");
  const connection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(process.stdin),
    new StreamMessageWriter(process.stdout),
  );
  // Never die on a stray error: log it to the client and carry on.
  const log = (e: unknown) =>
    connection.console.error(`resnetc lsp: internal error: ${(e as Error)?.stack ?? String(e)}`);
  process.on("uncaughtException", log);
  process.on("unhandledRejection", log);
  startServer(connection);
  // Until the client says exit (the library then exits itself, 0 after a shutdown request), or
  // the editor goes away and closes our stdin: then exit now, whatever timers the library keeps.
  process.stdin.on("close", () => process.exit(0));
  await new Promise<void>((resolve) => connection.onExit(() => resolve()));
}
