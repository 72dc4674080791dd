// The formatter over every .resnet file in the repository (found when the specs run): idempotent,
// the same AST before and after, every comment kept; and the same with comments sprinkled in.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { formatResnet } from "../../../compiler/format/index.js";
import { commentTexts, parseOk, resnetFiles, ROOT, shape, sprinkleComments } from "./helpers.js";

const files = resnetFiles().map((f) => [relative(ROOT, f), f] as const);

async function checkRoundTrip(text: string, file: string): Promise<string> {
  const once = await formatResnet(text, file);
  const twice = await formatResnet(once, file);
  expect(twice).toBe(once);
  expect(shape(parseOk(once, file))).toEqual(shape(parseOk(text, file)));
  expect(commentTexts(once)).toEqual(commentTexts(text));
  return once;
}

describe("formatting the repository's .resnet files", () => {
  it("finds the examples and the prelude", () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.map(([name]) => name)).toContain("grammar/prelude.resnet");
    expect(files.map(([name]) => name)).toContain("examples/imagenet/resnet.resnet");
  });

  it.each(files)("%s: idempotent, same AST, every comment kept", async (_name, file) => {
    await checkRoundTrip(readFileSync(file, "utf8"), file);
  });

  it.each(files)("%s: the same with comments sprinkled between tokens", async (_name, file) => {
    const text = readFileSync(file, "utf8");
    for (let seed = 1; seed <= 12; seed++) {
      const sprinkled = sprinkleComments(text, seed);
      expect(commentTexts(sprinkled).length).toBeGreaterThan(commentTexts(text).length);
      await checkRoundTrip(sprinkled, file);
    }
  });

  it("leaves the prelude and the ImageNet example exactly as they are (the house style)", async () => {
    for (const name of ["grammar/prelude.resnet", "examples/imagenet/resnet.resnet"]) {
      const file = `${ROOT}/${name}`;
      const text = readFileSync(file, "utf8");
      expect(await formatResnet(text, file)).toBe(text);
    }
  });
});
