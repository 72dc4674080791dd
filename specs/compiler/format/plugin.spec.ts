// The Prettier plugin itself: its shape, prettier.format with it, syntax errors, and the CLI
// (`prettier --plugin <compiled plugin.js> file.resnet`) with the plugin compiled by tsc.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { afterAll, describe, expect, it } from "vitest";
import { formatResnet } from "../../../compiler/format/index.js";
import plugin, { languages, parsers, printers } from "../../../compiler/format/plugin.js";
import { ROOT } from "./helpers.js";

describe("the plugin object", () => {
  it("declares the resnet language, parser and printer", () => {
    expect(languages).toEqual([{ name: "resnet", parsers: ["resnet"], extensions: [".resnet"] }]);
    expect(parsers.resnet!.astFormat).toBe("resnet-ast");
    expect(printers["resnet-ast"]).toBeDefined();
    expect(plugin).toEqual({ languages, parsers, printers });
  });

  it("works with prettier.format", async () => {
    const out = await prettier.format("model m{input 1x1x1;shortcut A}", {
      parser: "resnet",
      plugins: [plugin],
    });
    expect(out).toBe("model m {\n  input 1x1x1\n  shortcut A\n}\n");
  });

  it("is chosen by the .resnet extension", async () => {
    const out = await prettier.format("model m{}", { filepath: "x/m.resnet", plugins: [plugin] });
    expect(out).toBe("model m {}\n");
    const info = await prettier.getFileInfo("x/m.resnet", { plugins: [plugin] });
    expect(info.inferredParser).toBe("resnet");
  });
});

describe("syntax errors", () => {
  it("make formatting throw with the line, column and message", async () => {
    const text = "model m {\n  input 1x1x1\n  stem { conv 3x3,, 16 }\n}\n";
    await expect(formatResnet(text, "bad.resnet")).rejects.toThrow(/RN002: .*\(3:19\)/);
  });

  it("report lexical errors too", async () => {
    await expect(formatResnet("model m {\n  input 1x1x1 @\n}\n")).rejects.toThrow(
      /RN001: unexpected character "@" \(2:15\)/,
    );
  });

  it("report an unclosed brace", async () => {
    await expect(formatResnet("model m {\n  input 1x1x1\n")).rejects.toThrow(/'\}'.*\(\d+:\d+\)/);
  });
});

describe("the prettier CLI with the compiled plugin", () => {
  const dir = mkdtempSync(join(tmpdir(), "resnet-format-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("formats, checks and reports errors", () => {
    execFileSync(
      join(ROOT, "node_modules/.bin/tsc"),
      [
        ...["--outDir", dir, "--rootDir", ROOT, "--module", "NodeNext"],
        ...["--moduleResolution", "NodeNext", "--target", "ES2022", "--strict"],
        ...["--skipLibCheck", "--esModuleInterop", "--types", "node"],
        join(ROOT, "compiler/format/plugin.ts"),
      ],
      { cwd: ROOT, stdio: "pipe" },
    );
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, "messy.resnet"), "model m{\ninput 1x1x1 // size\n}");
    writeFileSync(join(dir, "bad.resnet"), "model {\n}\n");
    const prettierBin = join(ROOT, "node_modules/prettier/bin/prettier.cjs");
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [prettierBin, "--plugin", "./compiler/format/plugin.js", ...args],
        {
          cwd: dir,
          encoding: "utf8",
        },
      );

    const formatted = run("messy.resnet");
    expect(formatted.stderr).toBe("");
    expect(formatted.stdout).toBe("model m {\n  input 1x1x1 // size\n}\n");

    expect(run("--check", "messy.resnet").status).toBe(1);
    expect(run("--write", "messy.resnet").status).toBe(0);
    expect(readFileSync(join(dir, "messy.resnet"), "utf8")).toBe(formatted.stdout);
    expect(run("--check", "messy.resnet").status).toBe(0);

    const bad = run("bad.resnet");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.resnet: SyntaxError: RN002: .*\(1:7\)/);
  });
});
