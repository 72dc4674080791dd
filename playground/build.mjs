// Builds the playground page into dist/playground/: index.html, style.css, app.js (the compiler,
// the editor, tfjs and its webgpu/webgl/wasm backends in one ES module) and tfjs's wasm binaries.
// Run by `npm run build:playground` and by `npm ci` (the prepare script).
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const out = join(root, "dist", "playground");
const require = createRequire(import.meta.url);

/** Node's modules the compiler imports, mapped to small in-memory versions for the page. */
const SHIMS = {
  fs: join(here, "src/shims/fs.ts"),
  path: join(here, "src/shims/path.ts"),
  url: join(here, "src/shims/url.ts"),
};

const nodeShims = {
  name: "node-shims",
  setup(build) {
    build.onResolve({ filter: /^(node:)?(fs|path|url)$/ }, (args) => ({
      path: SHIMS[args.path.replace(/^node:/, "")],
    }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "wasm"), { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  loader: { ".resnet": "text" },
  define: { "process.env.NODE_ENV": '"production"', "process.cwd": "globalThis.__resnetcCwd" },
  banner: { js: 'globalThis.__resnetcCwd = () => "/";' },
  plugins: [nodeShims],
  logLevel: "warning",
  metafile: true,
});
for (const f of ["index.html", "style.css"]) copyFileSync(join(here, "page", f), join(out, f));
const wasmDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
for (const f of readdirSync(join(wasmDir, "dist")).filter((f) => f.endsWith(".wasm"))) {
  copyFileSync(join(wasmDir, "dist", f), join(out, "wasm", f));
}
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
console.log(`playground: dist/playground/app.js (${(bytes / 2 ** 20).toFixed(1)} MiB)`);
