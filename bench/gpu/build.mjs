// Builds the GPU bench kit in bench/gpu/dist/ (ignored by git): everything bench/gpu/run.sh needs on a
// Linux x86-64 machine with a GPU and Python but no Node.js and no network.
//
//   node bench/gpu/build.mjs [--no-node] [--no-vulkan]
//
//   dist/bench/bench.mjs          bench/gpu/bench.ts and all it imports in one file (esbuild)
//   dist/grammar/prelude.resnet   the compiler finds it at ../grammar from the bundle
//   dist/examples/...             the two example files the bench compiles
//   dist/node_modules/webgpu/     the package's entry, with dist/linux-x64/dawn.node xz-compressed
//   dist/node.xz                  this machine's node binary, xz -9
//   dist/lib/libvulkan.so.1       the Vulkan loader (Debian's libvulkan1) and libGLdispatch.so.0
//   dist/lib/libGLdispatch.so.0   (libglvnd0), used only where the GPU machine lacks them
//   dist/MANIFEST.json            versions, sizes and sha256 of the above
//
// The kit has to fit the 64 MiB that a device call carries; the build fails above 60 MiB.

import { build } from "esbuild";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const kit = path.join(root, "bench/gpu/dist");
const args = process.argv.slice(2);
const LIMIT = 60 * 2 ** 20;

function log(msg) {
  process.stdout.write(`${msg}\n`);
}

function copy(from, to) {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function xz(from, to) {
  // xz -9 keeps the GPU machine's unpacking fast (about 1 s for node) and the kit small.
  const threads = ["-T", "0"];
  const r = spawnSync("xz", ["-9", ...threads, "-c", from], { maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`xz ${from} failed: ${r.stderr}`);
  mkdirSync(path.dirname(to), { recursive: true });
  writeFileSync(to, r.stdout);
}

function sha256(file) {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

// Keep node.xz between builds (compressing ~100 MB takes a minute) when the binary is the same.
const keepNode = path.join(kit, "node.xz");
const nodeStamp = path.join(kit, "node.xz.source");
const nodeSource = `${process.execPath} ${process.version} ${statSync(process.execPath).size}`;
let keptNode = null;
if (
  existsSync(keepNode) &&
  existsSync(nodeStamp) &&
  readFileSync(nodeStamp, "utf8") === nodeSource
) {
  keptNode = readFileSync(keepNode);
}
rmSync(kit, { recursive: true, force: true });
mkdirSync(kit, { recursive: true });

// 1. The bundle. `webgpu` stays outside (its entry loads dawn.node beside it); tfjs-node(-gpu) and
// sharp are native packages the bench never loads.
const result = await build({
  entryPoints: [path.join(root, "bench/gpu/bench.ts")],
  outfile: path.join(kit, "bench/bench.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["webgpu", "@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu", "sharp"],
  // CommonJS packages inside an ES module bundle call require(); give them one.
  banner: {
    js: "import { createRequire as __resnetcCreateRequire } from 'node:module';\nconst require = __resnetcCreateRequire(import.meta.url);",
  },
  minify: true,
  // tfjs-backend-cpu's package.json lists its Node entry as free of side effects, yet importing it is
  // what registers the cpu backend: keep such imports.
  ignoreAnnotations: true,
  legalComments: "eof",
  logLevel: "warning",
  metafile: true,
});
const inputs = Object.keys(result.metafile.inputs).length;
log(`bundle: ${inputs} modules -> bench/bench.mjs`);

// 2. What the compiler reads at run time.
copy(path.join(root, "grammar/prelude.resnet"), path.join(kit, "grammar/prelude.resnet"));
for (const f of ["examples/cifar/resnet.resnet", "examples/imagenet/resnet.resnet"]) {
  copy(path.join(root, f), path.join(kit, f));
}

// 3. The webgpu package: entry, package.json, licence, and the Linux x86-64 dawn.node (compressed).
const webgpu = path.join(root, "node_modules/webgpu");
const webgpuOut = path.join(kit, "node_modules/webgpu");
for (const f of ["package.json", "index.js", "LICENSE.md"]) {
  copy(path.join(webgpu, f), path.join(webgpuOut, f));
}
xz(
  path.join(webgpu, "dist/linux-x64/dawn.node"),
  path.join(webgpuOut, "dist/linux-x64/dawn.node.xz"),
);
log("webgpu: dawn.node (linux-x64) compressed");

// 4. Node itself.
if (!args.includes("--no-node")) {
  if (keptNode != null) {
    writeFileSync(keepNode, keptNode);
    log("node: kept node.xz from the last build");
  } else {
    log(`node: compressing ${process.execPath} (${process.version}), about a minute`);
    xz(process.execPath, keepNode);
  }
  writeFileSync(nodeStamp, nodeSource);
}

// 5. The Vulkan loader from Debian's libvulkan1, and libGLdispatch from libglvnd0 (NVIDIA's Vulkan
// driver, libGLX_nvidia.so.0, needs it). run.sh puts each on LD_LIBRARY_PATH only where the GPU
// machine lacks it. apt-get download installs nothing; dpkg-deb -x unpacks into a temporary folder.
const LIBS = [
  ["libvulkan1", /libvulkan\.so\.1\.\d+/, "libvulkan.so.1"],
  ["libglvnd0", /libGLdispatch\.so\.0\.\d+/, "libGLdispatch.so.0"],
];
const libs = [];
if (!args.includes("--no-vulkan")) {
  for (const [pkg, pattern, name] of LIBS) {
    const tmp = mkdtempSync(path.join(tmpdir(), "resnetc-lib-"));
    try {
      execFileSync("apt-get", ["download", pkg], { cwd: tmp, stdio: "pipe" });
      const deb = readdirSync(tmp).find((f) => f.endsWith(".deb"));
      execFileSync("dpkg-deb", ["-x", path.join(tmp, deb), path.join(tmp, "x")]);
      const lib = walk(path.join(tmp, "x")).find((f) => pattern.test(path.basename(f)));
      copy(lib, path.join(kit, "lib", name));
      const copyright = path.join(tmp, `x/usr/share/doc/${pkg}/copyright`);
      if (existsSync(copyright)) copy(copyright, path.join(kit, "lib", `${pkg}.copyright`));
      libs.push({ package: pkg, deb, library: path.basename(lib), as: name });
      log(`lib: ${name} (${path.basename(lib)} from ${deb})`);
    } catch (err) {
      log(
        `lib: ${name} not included (${String(err.message).split("\n")[0]}); the GPU machine's is used`,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

// 6. Manifest and size.
const files = walk(kit).filter((f) => !f.endsWith("MANIFEST.json") && !f.endsWith(".source"));
const manifest = {
  built: new Date().toISOString(),
  node: process.version,
  webgpu: JSON.parse(readFileSync(path.join(webgpu, "package.json"), "utf8")).version,
  tfjsBackendWebgpu: JSON.parse(
    readFileSync(
      path.join(root, "node_modules/@tensorflow/tfjs-backend-webgpu/package.json"),
      "utf8",
    ),
  ).version,
  libs,
  files: Object.fromEntries(
    files.map((f) => [path.relative(kit, f), { bytes: statSync(f).size, sha256: sha256(f) }]),
  ),
};
writeFileSync(path.join(kit, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
const total = walk(kit).reduce((n, f) => n + statSync(f).size, 0);
for (const [f, { bytes }] of Object.entries(manifest.files)) {
  log(`  ${(bytes / 2 ** 20).toFixed(1).padStart(6)} MiB  ${f}`);
}
log(`kit: ${(total / 2 ** 20).toFixed(1)} MiB in bench/gpu/dist (limit ${LIMIT / 2 ** 20} MiB)`);
if (total > LIMIT) {
  log("kit too large");
  process.exit(1);
}
