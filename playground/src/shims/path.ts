// node:path for the compiler in the page: pathe, POSIX paths that work in browsers.
import * as pathe from "pathe";

export const { basename, dirname, extname, isAbsolute, join, normalize, relative, resolve, sep } =
  pathe;
export default pathe;
