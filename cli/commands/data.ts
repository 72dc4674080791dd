// resnetc data export mnist DIR: the bundled MNIST digits as an image folder (DIR/train/<digit>/
// and DIR/val/<digit>/, 8-bit greyscale PNGs numbered in the loader's order), so that another
// engine (the PyTorch target's train.py, `--data folder:DIR`) trains on exactly the same digits and
// the same train/test split as `resnetc train --data mnist`.
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Command } from "commander";
import type { DataSplit } from "../../runtime/data/types.js";
import { UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { int } from "../text-table.js";

const SOURCES = ["mnist"];

export function registerDataCommands(program: Command, o: Output): void {
  const data = program.command("data").description("data sources: export them for other engines");
  data
    .command("export")
    .description("write a data source as an image folder (train/<class>/, val/<class>/ PNGs)")
    .argument("<source>", `the data source: ${SOURCES.join(", ")}`)
    .argument("<dir>", "the folder to write (replaced atomically)")
    .action((source: string, dir: string) => exportCommand(o, source, dir));
}

export async function exportCommand(o: Output, source: string, dir: string): Promise<void> {
  if (!SOURCES.includes(source))
    throw new UsageError(
      `cannot export the data source "${source}"`,
      `sources: ${SOURCES.join(", ")} (cifar10:DIR and folder:DIR are files already)`,
    );
  // Loaded here so that registering the command costs nothing at start-up.
  const { openMnist } = await import("../../runtime/data/mnist.js");
  const { replaceDirAtomic } = await import("../../runtime/io/atomic.js");
  const mnist = await openMnist();
  const counts: number[] = [];
  await replaceDirAtomic(dir, async (tmp) => {
    for (const [split, part] of [
      ["train", mnist.train],
      ["val", mnist.test],
    ] as const) {
      for (const c of mnist.classes) await mkdir(join(tmp, split, c), { recursive: true });
      counts.push(await writeSplit(part, join(tmp, split), mnist.classes));
    }
  });
  const shown = relative(o.cwd, dir) || dir;
  o.out(
    `exported mnist: ${int(counts[0]!)} training and ${int(counts[1]!)} test digits to ${shown}/`,
  );
  o.out(`  train with: --data folder:${shown}`);
}

/** Writes the split's 28x28 digits as DIR/<class>/<position>.png; returns how many. */
async function writeSplit(part: DataSplit, dir: string, classes: string[]): Promise<number> {
  const { default: sharp } = await import("sharp");
  const { Rng } = await import("../../runtime/rng.js");
  const width = String(part.size - 1).length;
  let k = 0;
  const batches = part.batches({
    batchSize: 500,
    shuffle: false,
    augment: null,
    rng: new Rng(1),
    mean: null,
  });
  for await (const b of batches) {
    const pixels = 28 * 28;
    await Promise.all(
      Array.from({ length: b.n }, async (_, i) => {
        const bytes = Uint8Array.from(b.x.subarray(i * pixels, (i + 1) * pixels), (v) =>
          Math.round(v * 255),
        );
        const png = await sharp(bytes, { raw: { width: 28, height: 28, channels: 1 } })
          .png()
          .toBuffer();
        const name = `${String(k + i).padStart(width, "0")}.png`;
        await writeFile(join(dir, classes[b.y[i]!]!, name), png);
      }),
    );
    k += b.n;
  }
  return k;
}
