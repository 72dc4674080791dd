// Where the CLI writes, and whether it may use colour (NO_COLOR / FORCE_COLOR / a TTY).

export interface Output {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  cwd: string;
}

export function processOutput(): Output {
  const force = process.env.FORCE_COLOR;
  const color =
    force !== undefined ? force !== "0" : !process.env.NO_COLOR && Boolean(process.stdout.isTTY);
  return {
    out: (t) => void process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
    err: (t) => void process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
    color,
    cwd: process.cwd(),
  };
}
