// The kernels also run in a browser page (resnetc playground), where there is no `process`: reading
// a variable and warning go through here.

/** An environment variable, or undefined (also in a browser). */
export function envVar(name: string): string | undefined {
  return typeof process === "undefined" ? undefined : process.env[name];
}

/** A process warning under Node.js; the console's in a browser. */
export function warn(message: string, code: string): void {
  if (typeof process !== "undefined" && typeof process.emitWarning === "function")
    process.emitWarning(message, { code });
  else console.warn(`${code}: ${message}`);
}
