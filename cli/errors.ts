// Errors the CLI turns into a message and an exit code, never a stack trace.

/** Exit codes: 0 success, 1 user errors (bad spec, bad data), 2 usage errors, 130 interrupted. */
export const EXIT = { ok: 0, user: 1, usage: 2, interrupted: 130 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.user,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
    this.name = "UsageError";
  }
}

export const BUG_REPORT =
  "This is a bug in resnetc, not in your spec. Please report it in the resnetc issue tracker with the command you ran, your .resnet file and this message.";
