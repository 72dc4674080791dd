// The browser specs' harness: the real `resnetc playground` (bin/resnetc.js, as a user runs it)
// and Debian's chromium driven by puppeteer-core. Chromium is looked for at $CHROMIUM_PATH, then
// /usr/bin/chromium; where it is missing the specs skip with that reason (CI installs it).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { BIN } from "../cli/run.js";

export const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find(
  (p): p is string => p != null && p !== "" && existsSync(p),
);
export const SKIP_REASON = CHROMIUM
  ? null
  : "Chromium not found (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it";

/** WebGPU on (software: SwiftShader's Vulkan, which Debian's chromium ships), and WebGL on SwiftShader. */
const FLAGS = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--window-size=1400,900",
];

export interface Playground {
  url: string;
  server: ChildProcess;
  browser: Browser;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  open(): Promise<Page>;
  close(): Promise<void>;
}

/** Starts `resnetc playground ...args` and reads the URL it prints on a line of its own. */
export function startServer(
  args: string[],
): Promise<{ url: string; server: ChildProcess; stdout: () => string }> {
  const server = spawn(process.execPath, [BIN, "playground", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  return new Promise((ok, fail) => {
    server.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) ok({ url: m[1], server, stdout: () => out });
    });
    server.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    server.on("exit", (code) => fail(new Error(`resnetc playground exited ${code}: ${err}`)));
  });
}

export async function startPlayground(args: string[]): Promise<Playground> {
  const { url, server } = await startServer(args);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    defaultViewport: { width: 1400, height: 900 },
    // A training step on a software GPU can hold the page's thread for a while.
    protocolTimeout: 600_000,
  });
  const errors: string[] = [];
  return {
    url,
    server,
    browser,
    errors,
    async open() {
      const page = await browser.newPage();
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => Number(document.body.dataset.compiled) > 0);
      return page;
    },
    async close() {
      await browser.close();
      server.kill("SIGTERM");
    },
  };
}
