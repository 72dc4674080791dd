// resnetc playground [SPEC...]: a local web server for the playground page (dist/playground, built
// by `npm ci`), which compiles and trains in the browser. It binds to 127.0.0.1 only and serves
// nothing but the page, the spec files named on the command line (with the files they `use`),
// and the bundled MNIST digits; it answers only requests addressed to 127.0.0.1 or localhost.
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFile } from "../../compiler/check.js";
import { openMnist } from "../../runtime/data/mnist.js";
import { Rng } from "../../runtime/rng.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import type { Output } from "../output.js";

export interface PlaygroundFlags {
  port?: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
};

/** The package's root: the folder above cli/ (sources) or dist/cli/ (the build). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "../..");
}

/** The built page's folder; an error that says how to build it when it is missing. */
export function pageDir(root = packageRoot()): string {
  const dir = join(root, "dist", "playground");
  if (!existsSync(join(dir, "index.html")) || !existsSync(join(dir, "app.js"))) {
    throw new CliError(
      `the playground page is not built: ${join(dir, "app.js")} is missing`,
      EXIT.user,
      "run `npm run build:playground` (npm ci builds it)",
    );
  }
  return dir;
}

export interface SpecFile {
  path: string;
  name: string;
  text: string;
  /** The files it uses (`use "..."`), by absolute path, read when the page asks. */
  imports: Record<string, string>;
}

/** A spec and the files it uses, read now (the page asks again on every reload). */
export function readSpec(path: string): SpecFile {
  const text = readFileSync(path, "utf8");
  const program = checkFile(path, {}, { text }).program;
  const imports: Record<string, string> = {};
  for (const [p, t] of program.sources) {
    if (p !== program.entry && p !== program.preludePath) imports[p] = t;
  }
  return { path, name: basename(path), text, imports };
}

/** The MNIST digits as the page reads them: [n: uint32 LE][n x 784 pixel bytes][n label bytes]. */
async function mnistBytes(split: "train" | "test"): Promise<Buffer> {
  const data = await openMnist();
  const s = data[split];
  const pixels = new Uint8Array(s.size * 784);
  const labels = new Uint8Array(s.size);
  let i = 0;
  const it = s.batches({
    batchSize: 1000,
    shuffle: false,
    augment: null,
    mean: null,
    rng: new Rng(1),
  });
  for await (const b of it) {
    for (let k = 0; k < b.x.length; k++) pixels[i * 784 + k] = Math.round(b.x[k] * 255);
    labels.set(Array.from(b.y), i);
    i += b.n;
  }
  const head = Buffer.alloc(4);
  head.writeUInt32LE(s.size, 0);
  return Buffer.concat([head, pixels, labels]);
}

function send(res: http.ServerResponse, status: number, type: string, body: Buffer | string) {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(body);
}

/** The request handler: the page, /api/specs, /data/mnist-{train,test}.bin; 404 for the rest. */
export function handler(dir: string, specs: string[], port: () => number) {
  const assets = new Set(["index.html", "app.js", "style.css"]);
  const mnist = new Map<string, Promise<Buffer>>();
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${port()}` && host !== `localhost:${port()}`) {
      return send(res, 403, "text/plain", "forbidden: not addressed to this machine\n");
    }
    if (req.method !== "GET") return send(res, 405, "text/plain", "method not allowed\n");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const p = url.pathname === "/" ? "/index.html" : url.pathname;
    try {
      if (assets.has(p.slice(1))) {
        return send(res, 200, TYPES[extname(p)], readFileSync(join(dir, p.slice(1))));
      }
      const wasm = /^\/wasm\/([\w.-]+\.wasm)$/.exec(p);
      if (wasm && existsSync(join(dir, "wasm", wasm[1]))) {
        return send(res, 200, TYPES[".wasm"], readFileSync(join(dir, "wasm", wasm[1])));
      }
      if (p === "/api/specs") {
        return send(res, 200, "application/json", JSON.stringify(specs.map(readSpec)));
      }
      const data = /^\/data\/mnist-(train|test)\.bin$/.exec(p);
      if (data) {
        const split = data[1] as "train" | "test";
        if (!mnist.has(split)) mnist.set(split, mnistBytes(split));
        return send(res, 200, "application/octet-stream", await mnist.get(split)!);
      }
      return send(res, 404, "text/plain", "not found\n");
    } catch (err) {
      return send(res, 500, "text/plain", `${(err as Error).message}\n`);
    }
  };
}

function parsePort(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`--port: expected a port number 0..65535, got '${s}'`);
  }
  return n;
}

/** Serves until SIGINT or SIGTERM; prints the URL on a line of its own. */
export async function playgroundCommand(
  o: Output,
  files: string[],
  flags: PlaygroundFlags,
): Promise<void> {
  const specs = (files.length ? files : [join(packageRoot(), "examples/mnist/resnet.resnet")]).map(
    (f) => resolve(o.cwd, f),
  );
  for (const f of specs)
    if (!existsSync(f)) throw new UsageError(`cannot read '${f}': no such file`);
  const port = parsePort(flags.port);
  const dir = pageDir();
  let bound = 0;
  const server = http.createServer(handler(dir, specs, () => bound));
  await new Promise<void>((ok, fail) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      fail(
        new CliError(
          err.code === "EADDRINUSE" ? `port ${port} is in use` : `cannot listen: ${err.message}`,
          EXIT.user,
          "leave out --port to take a free one",
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => ok());
  });
  bound = (server.address() as AddressInfo).port;
  o.out(`resnetc playground: ${specs.map((s) => basename(s)).join(", ")}; Ctrl-C stops it`);
  o.out(`http://127.0.0.1:${bound}/`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.closeAllConnections();
      server.close(() => done());
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
