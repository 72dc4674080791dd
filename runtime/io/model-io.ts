// Saving and loading tfjs-layers models in the standard layers format (model.json + weights.bin) on the
// local file system, without tfjs-node: a save handler writes the artifacts, a load handler reads them.
// A model directory is written atomically (temp directory + rename), with optional extra files beside the
// model (the per-pixel mean, the spec text). resnetc's models use standard tfjs layers only, so plain
// `tf.loadLayersModel` reads them too.
import * as fsp from "node:fs/promises";
import * as path from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { replaceDirAtomic } from "./atomic.js";
import { ModelIOError } from "./errors.js";
import { MEAN_FILE, meanToJSON } from "./mean.js";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

export interface SaveModelOptions {
  /** Extra files to write beside model.json: file name -> content (e.g. the spec text). */
  files?: Record<string, string | Uint8Array>;
  /** The per-pixel mean, written as mean.json. */
  mean?: { values: Float32Array; shape: readonly number[] } | null;
}

/** Writes `model` into `dir` (model.json, weights.bin and the extra files), replacing `dir` atomically. */
export async function saveLayersModel(
  model: tfl.LayersModel,
  dir: string,
  opts: SaveModelOptions = {},
): Promise<void> {
  for (const name of Object.keys(opts.files ?? {})) {
    if (
      name !== path.basename(name) ||
      name === MODEL_JSON ||
      name === WEIGHTS_BIN ||
      name === "." ||
      name === ".."
    ) {
      throw new ModelIOError(
        `cannot write extra model file "${name}": not a plain file name, or a reserved one`,
        name,
      );
    }
  }
  await replaceDirAtomic(dir, async (tmp) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData =
          artifacts.weightData === undefined
            ? new ArrayBuffer(0)
            : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
        const json: tf.io.ModelJSON = {
          modelTopology: artifacts.modelTopology as {},
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        };
        if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
        if (artifacts.userDefinedMetadata != null)
          json.userDefinedMetadata = artifacts.userDefinedMetadata;
        if (artifacts.signature != null) json.signature = artifacts.signature;
        await fsp.writeFile(path.join(tmp, WEIGHTS_BIN), new Uint8Array(weightData));
        await fsp.writeFile(path.join(tmp, MODEL_JSON), JSON.stringify(json));
        return {
          modelArtifactsInfo: {
            dateSaved: new Date(),
            modelTopologyType: "JSON",
            weightDataBytes: weightData.byteLength,
          },
        };
      }),
    );
    if (opts.mean)
      await fsp.writeFile(path.join(tmp, MEAN_FILE), meanToJSON(opts.mean.values, opts.mean.shape));
    for (const [name, content] of Object.entries(opts.files ?? {})) {
      await fsp.writeFile(path.join(tmp, name), content);
    }
  });
}

/** An IOHandler that reads `dir/model.json` and the weight files it names, checking their sizes. */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const jsonFile = path.join(dir, MODEL_JSON);
      let text: string;
      try {
        text = await fsp.readFile(jsonFile, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ModelIOError(
          code === "ENOENT"
            ? `no saved model at ${dir}: ${jsonFile} does not exist`
            : `cannot read ${jsonFile}: ${(err as Error).message}`,
          jsonFile,
        );
      }
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(text) as tf.io.ModelJSON;
      } catch (err) {
        throw new ModelIOError(
          `${jsonFile}: not valid JSON (${(err as Error).message}); the file is corrupt or truncated`,
          jsonFile,
        );
      }
      if (modelJSON === null || typeof modelJSON !== "object" || modelJSON.modelTopology == null) {
        throw new ModelIOError(
          `${jsonFile}: not a TensorFlow.js layers model (no modelTopology)`,
          jsonFile,
        );
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          let expected = 0;
          let checkable = true;
          for (const w of group.weights) {
            specs.push(w);
            if (w.quantization) checkable = false;
            else expected += w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w.dtype);
          }
          let got = 0;
          const first = group.paths[0] ?? WEIGHTS_BIN;
          for (const p of group.paths) {
            const file = path.join(dir, p);
            let buf: Buffer;
            try {
              buf = await fsp.readFile(file);
            } catch (err) {
              throw new ModelIOError(
                `cannot read the model weights ${file}: ${(err as Error).message}`,
                file,
              );
            }
            got += buf.byteLength;
            buffers.push(
              buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
            );
          }
          if (checkable && got !== expected) {
            const file = path.join(dir, first);
            throw new ModelIOError(
              `${file}: holds ${got} bytes but ${jsonFile} describes ${expected}; the weights are truncated or corrupt`,
              file,
            );
          }
        }
        return [specs, buffers];
      });
    },
  };
}

/** Loads a model written by saveLayersModel (or any tfjs layers-format directory). */
export async function loadLayersModel(dir: string): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(fileLoadHandler(dir));
}

function bytesPerElement(dtype: string): number {
  switch (dtype) {
    case "float32":
    case "int32":
      return 4;
    case "bool":
      return 1;
    case "complex64":
      return 8;
    default:
      return 4;
  }
}
