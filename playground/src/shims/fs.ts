// node:fs for the compiler in the page: an in-memory file table (the spec being edited and the
// files it imports, as the local server sent them) and the standard prelude, built into the bundle.
import PRELUDE from "../../../grammar/prelude.resnet";

const files = new Map<string, string>();

/** The prelude wherever the compiler looks for it (it searches near its own module's URL). */
function isPrelude(path: string): boolean {
  return path.endsWith("/grammar/prelude.resnet");
}

/** Replaces the file table. */
export function setFiles(entries: Record<string, string>): void {
  files.clear();
  for (const [path, text] of Object.entries(entries)) files.set(path, text);
}

export function setFile(path: string, text: string): void {
  files.set(path, text);
}

export function existsSync(path: string): boolean {
  return isPrelude(path) || files.has(path);
}

export function readFileSync(path: string): string {
  if (isPrelude(path)) return PRELUDE;
  const text = files.get(path);
  if (text !== undefined) return text;
  const err = new Error(`ENOENT: no such file or directory, open '${path}'`) as Error & {
    code: string;
  };
  err.code = "ENOENT";
  throw err;
}

function unsupported(name: string): never {
  throw new Error(`fs.${name} is not available in the playground`);
}

export function readdirSync(): never {
  return unsupported("readdirSync");
}

export function statSync(): never {
  return unsupported("statSync");
}

export default { existsSync, readFileSync, readdirSync, statSync };
