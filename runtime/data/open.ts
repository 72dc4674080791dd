// Turning a data spec ("mnist", "cifar10:DIR", "folder:DIR", or a bare directory) into a DataSource.
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CIFAR10_EXPECTED, openCifar10 } from "./cifar10.js";
import { FOLDER_EXPECTED, openImageFolder } from "./folder.js";
import { openMnist } from "./mnist.js";
import { DataError, type DataSource } from "./types.js";

export interface OpenOptions {
  /** Told about recoverable problems (a skipped corrupt image, odd class names). */
  onWarning?: (msg: string) => void;
  /** Image folders: on an image sharp cannot decode, stop with a DataError (default) or skip it. */
  corrupt?: "skip" | "stop";
  /** Image folders: the model's input size [h, w] (default [224, 224]). */
  imageSize?: [number, number];
}

export const SPEC_FORMS = `expected "mnist", "cifar10:DIR" (DIR holding ${CIFAR10_EXPECTED}) or "folder:DIR" (DIR holding ${FOLDER_EXPECTED})`;

type Kind = "cifar10" | "folder";

export async function openDataSource(spec: string, opts: OpenOptions = {}): Promise<DataSource> {
  if (spec === "mnist") return openMnist(spec);

  const m = /^([A-Za-z][A-Za-z0-9_-]*):(.*)$/s.exec(spec);
  if (m !== null && !(await exists(spec))) {
    const kind = m[1].toLowerCase();
    if (kind !== "cifar10" && kind !== "folder") {
      throw new DataError(`data source "${spec}": unknown kind "${m[1]}"; ${SPEC_FORMS}`);
    }
    const dir = resolve(m[2]);
    if (m[2] === "" || !(await isDirectory(dir))) {
      const expected = kind === "cifar10" ? CIFAR10_EXPECTED : FOLDER_EXPECTED;
      throw new DataError(
        `${kind}: ${m[2] === "" ? "no directory given" : `${dir} does not exist or is not a directory`}; expected a directory holding ${expected}`,
        dir,
      );
    }
    return open(kind, await cifarDir(kind, dir), spec, opts);
  }

  if (spec === "") throw new DataError(`data source "": empty; ${SPEC_FORMS}`);
  const dir = resolve(spec);
  if (!(await exists(dir))) {
    throw new DataError(`data source "${spec}": ${dir} does not exist; ${SPEC_FORMS}`, dir);
  }
  if (!(await isDirectory(dir))) {
    throw new DataError(`data source "${spec}": ${dir} is not a directory; ${SPEC_FORMS}`, dir);
  }
  const kind = await detect(dir);
  if (kind === null) {
    throw new DataError(
      `data source "${spec}": ${dir} holds neither CIFAR-10 binary files (data_batch_1.bin) nor train/ and val/ image folders; ${SPEC_FORMS}`,
      dir,
    );
  }
  return open(kind, await cifarDir(kind, dir), spec, opts);
}

function open(kind: Kind, dir: string, spec: string, opts: OpenOptions): Promise<DataSource> {
  return kind === "cifar10"
    ? openCifar10(dir, spec, { onWarning: opts.onWarning })
    : openImageFolder(dir, spec, opts);
}

async function detect(dir: string): Promise<Kind | null> {
  if (await isFile(join(dir, "data_batch_1.bin"))) return "cifar10";
  if ((await isDirectory(join(dir, "train"))) && (await isDirectory(join(dir, "val")))) {
    return "folder";
  }
  if (await isFile(join(dir, "cifar-10-batches-bin", "data_batch_1.bin"))) return "cifar10";
  return null;
}

/** Accepts the directory the CIFAR-10 archive was extracted into, as well as the one it creates. */
async function cifarDir(kind: Kind, dir: string): Promise<string> {
  if (kind !== "cifar10" || (await isFile(join(dir, "data_batch_1.bin")))) return dir;
  const inner = join(dir, "cifar-10-batches-bin");
  return (await isDirectory(inner)) ? inner : dir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
