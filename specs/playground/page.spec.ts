// The playground page in Chromium: it loads without a console error and shows the spec's parameter
// count; the compiler runs in the page as you type (a shape error shows its code at its line, the
// fix clears it); the Table view has Table 1's figures. Skipped, with the reason, where Chromium is
// missing; never in CI (.ci/run installs it).
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnetc } from "../cli/run.js";
import { IN_CI } from "../runtime/backends/software-vulkan.js";
import { SKIP_REASON, startPlayground, type Playground } from "./browser.js";

const title = SKIP_REASON ?? "the playground page in Chromium";

/** The diagnostics the page lists, as "CODE@line". */
function listed(page: Page): Promise<string[]> {
  return page.$$eval("#diagnostics li", (lis) =>
    lis.map((li) => `${(li as HTMLElement).dataset.code}@${(li as HTMLElement).dataset.line}`),
  );
}

describe.skipIf(SKIP_REASON !== null && !IN_CI)(title, () => {
  let pg: Playground;
  let page: Page;
  beforeAll(async () => {
    if (SKIP_REASON) throw new Error(`CI must run this spec: ${SKIP_REASON}`);
    pg = await startPlayground(["examples/mnist/resnet.resnet"]);
    page = await pg.open();
  });
  afterAll(async () => pg?.close());

  it("shows the spec's parameter count, with no console error", async () => {
    expect(await page.$eval("#models", (e) => e.textContent)).toBe(
      "mnist_resnet: 75,002 parameters, 4.4M multiply-adds, depth 8",
    );
    expect(await page.$eval("#check-status", (e) => e.textContent)).toBe("no errors");
    expect(await listed(page)).toEqual([]);
    expect(pg.errors).toEqual([]);
    if (process.env.RESNETC_SCREENSHOT) {
      await page.click("button[data-tab=graph-view]");
      await page.screenshot({ path: process.env.RESNETC_SCREENSHOT as `${string}.png` });
      await page.click("button[data-tab=table]");
    }
  });

  it("the Table, Summary and Graph views are what the CLI prints for the same file", async () => {
    const cli = (cmd: string) => resnetc([cmd, "examples/mnist/resnet.resnet"]).stdout.trimEnd();
    expect(await page.$eval("#table", (e) => e.textContent)).toBe(cli("table"));
    expect(await page.$eval("#summary", (e) => e.textContent)).toBe(cli("summary"));
    const svg = await page.$eval("#graph svg", (e) => e.outerHTML);
    expect(svg).toContain("mnist_resnet: 8 layers, 75K params, input 28x28x1");
    expect(svg.length).toBeGreaterThan(cli("graph").length * 0.9);
  });

  it("typing a shape error shows its RN code at its line; fixing it clears it", async () => {
    await page.click(".cm-content");
    await page.keyboard.down("Control");
    await page.keyboard.press("Home");
    await page.keyboard.up("Control");
    for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace"); // line 5: "  shortcut A"
    await page.keyboard.type("identity");
    await page.waitForFunction(() => document.querySelector("#diagnostics li") !== null);
    expect(await listed(page)).toEqual(["RN201@11", "RN201@11", "RN201@11"]);
    expect(await page.$eval("#diagnostics li", (e) => e.textContent)).toBe(
      "resnet.resnet:11:3 - error RN201: residual addition needs equal shapes, got 14x14x16 " +
        "(block) + 28x28x16 (shortcut) in conv2_1" +
        "hint: use `shortcut A` (zero-padding, no parameters) or `shortcut B` (1x1 projection)",
    );
    // Inline in the editor: the range under line 11's `stages conv2..conv4`.
    await page.waitForSelector(".cm-lintRange-error");
    expect(await page.$eval(".cm-lintRange-error", (e) => e.textContent)).toBe(
      "stages conv2..conv4",
    );
    expect(await page.$eval("#check-status", (e) => e.textContent)).toBe("3 error(s)");

    for (let i = 0; i < "identity".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("A");
    await page.waitForFunction(() => document.querySelector("#diagnostics li") === null);
    expect(await page.$eval("#check-status", (e) => e.textContent)).toBe("no errors");
    expect(await page.$$(".cm-lintRange-error")).toHaveLength(0);
    expect(pg.errors).toEqual([]);
  });
});

describe.skipIf(SKIP_REASON !== null && !IN_CI)(`${title}: Table 1`, () => {
  let pg: Playground;
  beforeAll(async () => {
    if (SKIP_REASON) throw new Error(`CI must run this spec: ${SKIP_REASON}`);
    pg = await startPlayground(["examples/imagenet/resnet.resnet"]);
  });
  afterAll(async () => pg?.close());

  it("the Table view shows ResNet-50's 25,557,032 parameters", async () => {
    const page = await pg.open();
    const table = await page.$eval("#table", (e) => e.textContent ?? "");
    const params = table.split("\n").find((l) => l.startsWith("params"));
    expect(params).toMatch(/^params\s+11,689,512 .*21,797,672 .*25,557,032 .*44,549,160 /);
    expect(await page.$eval("#models", (e) => e.textContent)).toContain(
      "resnet 50: 25,557,032 parameters",
    );
    expect(pg.errors).toEqual([]);
  });
});
