import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { openDataSource, SPEC_FORMS } from "../../../runtime/data/open.js";
import { DataError } from "../../../runtime/data/types.js";
import { removeTempDirs, tempDir, writeCifarDir } from "./fixtures.js";

afterAll(removeTempDirs);

const FORMS =
  'expected "mnist", "cifar10:DIR" (DIR holding data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the binary version of CIFAR-10)) or "folder:DIR" (DIR holding train/<class>/ and val/<class>/ folders of .jpg, .jpeg, .png, .webp images)';

async function rejection(spec: string): Promise<DataError> {
  const err = await openDataSource(spec).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataError);
  return err as DataError;
}

describe("openDataSource", () => {
  it("states the accepted forms", () => {
    expect(SPEC_FORMS).toBe(FORMS);
  });

  it("opens mnist", async () => {
    const ds = await openDataSource("mnist");
    expect(ds.shape).toEqual([28, 28, 1]);
  });

  it("detects CIFAR-10 and image folders given as bare directories", async () => {
    const cifar = tempDir();
    writeCifarDir(cifar);
    expect((await openDataSource(cifar)).shape).toEqual([32, 32, 3]);

    const folder = tempDir();
    for (const d of ["train/x", "val/x"]) {
      mkdirSync(join(folder, d), { recursive: true });
      await sharp({ create: { width: 4, height: 4, channels: 3, background: "#fff" } })
        .png()
        .toFile(join(folder, d, "1.png"));
    }
    const ds = await openDataSource(folder, { imageSize: [4, 4] });
    expect([ds.name, ds.classes, ds.shape]).toEqual([folder, ["x"], [4, 4, 3]]);
  });

  it("rejects an unknown kind", async () => {
    expect((await rejection("imagenet:/data/x")).message).toBe(
      `data source "imagenet:/data/x": unknown kind "imagenet"; ${FORMS}`,
    );
  });

  it("rejects a missing path, naming it", async () => {
    const missing = join(tempDir(), "nope");
    const err = await rejection(missing);
    expect(err.message).toBe(`data source "${missing}": ${missing} does not exist; ${FORMS}`);
    expect(err.file).toBe(missing);
    expect((await rejection("no-such-dir")).message).toBe(
      `data source "no-such-dir": ${resolve("no-such-dir")} does not exist; ${FORMS}`,
    );
    expect((await rejection(`cifar10:${missing}`)).message).toBe(
      `cifar10: ${missing} does not exist or is not a directory; expected a directory holding data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the binary version of CIFAR-10)`,
    );
    expect((await rejection(`folder:${missing}`)).message).toBe(
      `folder: ${missing} does not exist or is not a directory; expected a directory holding train/<class>/ and val/<class>/ folders of .jpg, .jpeg, .png, .webp images`,
    );
    expect((await rejection("cifar10:")).message).toBe(
      `cifar10: no directory given; expected a directory holding data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the binary version of CIFAR-10)`,
    );
    expect((await rejection("")).message).toBe(`data source "": empty; ${FORMS}`);
  });

  it("rejects a directory it does not recognise, and a file", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "train"));
    expect((await rejection(dir)).message).toBe(
      `data source "${dir}": ${dir} holds neither CIFAR-10 binary files (data_batch_1.bin) nor train/ and val/ image folders; ${FORMS}`,
    );
    const file = join(dir, "data.bin");
    writeFileSync(file, "");
    expect((await rejection(file)).message).toBe(
      `data source "${file}": ${file} is not a directory; ${FORMS}`,
    );
  });

  it("reports what is missing in a cifar10: directory", async () => {
    const dir = tempDir();
    expect((await rejection(`cifar10:${dir}`)).message).toBe(
      `cifar10: ${dir} is missing data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin; expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin (the binary version of CIFAR-10)`,
    );
  });
});
