// `resnetc playground` as a server, without a browser: the URL on a line of its own, loopback only,
// and nothing served but the page, the named specs (with the files they use) and the digits.
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnetc } from "../cli/run.js";
import { startServer } from "./browser.js";

describe("resnetc playground (the server)", () => {
  let url = "";
  let stdout = () => "";
  let stop = () => {};
  beforeAll(async () => {
    const s = await startServer(["examples/imagenet/plain.resnet"]);
    url = s.url;
    stdout = s.stdout;
    stop = () => s.server.kill("SIGTERM");
  });
  afterAll(() => stop());

  it("prints the spec it serves, then its URL on a line of its own", () => {
    expect(stdout()).toMatch(
      /^resnetc playground: plain\.resnet; Ctrl-C stops it\nhttp:\/\/127\.0\.0\.1:\d+\/\n$/,
    );
  });

  it("serves the page", async () => {
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await r.text()).toContain('<script type="module" src="app.js"></script>');
    expect((await fetch(`${url}app.js`)).status).toBe(200);
  });

  it("serves the named spec and the files it uses, and no other", async () => {
    const specs = (await (await fetch(`${url}api/specs`)).json()) as {
      path: string;
      name: string;
      imports: Record<string, string>;
    }[];
    expect(specs.map((s) => s.path)).toEqual([resolve("examples/imagenet/plain.resnet")]);
    expect(Object.keys(specs[0].imports)).toEqual([resolve("examples/imagenet/resnet.resnet")]);
    for (const p of ["/package.json", "/examples/imagenet/resnet.resnet", "/../cli/main.ts"]) {
      expect((await fetch(new URL(p, url))).status).toBe(404);
    }
  });

  it("serves the 1,000 test digits as bytes: count, pixels, labels", async () => {
    const buf = new Uint8Array(await (await fetch(`${url}data/mnist-test.bin`)).arrayBuffer());
    expect(buf.length).toBe(4 + 1000 * 784 + 1000);
    expect(new DataView(buf.buffer).getUint32(0, true)).toBe(1000);
    const labels = buf.subarray(4 + 1000 * 784);
    expect(Math.max(...labels)).toBe(9);
    expect(labels.filter((l) => l === 0).length).toBeGreaterThan(50);
  });

  it("answers only requests addressed to 127.0.0.1 or localhost, and only GET", async () => {
    const port = new URL(url).port;
    const http = await import("node:http");
    const status = (host: string, method = "GET") =>
      new Promise<number>((ok, fail) =>
        http
          .request(
            { host: "127.0.0.1", port, path: "/api/specs", method, headers: { host } },
            (r) => {
              r.resume();
              ok(r.statusCode ?? 0);
            },
          )
          .on("error", fail)
          .end(),
      );
    expect(await status(`evil.example:${port}`)).toBe(403);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`127.0.0.1:${port}`, "POST")).toBe(405);
  });
});

describe("resnetc playground (usage errors)", () => {
  it("a missing spec is a usage error", () => {
    const r = resnetc(["playground", "nope.resnet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`resnetc: cannot read '${resolve("nope.resnet")}': no such file\n`);
  });

  it("a bad --port is a usage error", () => {
    const r = resnetc(["playground", "--port", "http"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("resnetc: --port: expected a port number 0..65535, got 'http'\n");
  });
});
