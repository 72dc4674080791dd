// The trained model as one zip of a folder `resnetc eval --model` and `resnetc predict --model`
// read: model.json + weights.bin (tfjs layers format, as runtime/io/model-io.ts writes them),
// spec.resnet, resnetc.json, classes.json and, when the spec subtracts it, mean.json.
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { strToU8, zipSync } from "fflate";

const MEAN_FORMAT = { format: "resnetc-mean", version: 1 };

/** model.json and weights.bin of `model`. */
export async function modelArtifacts(
  model: tfl.LayersModel,
): Promise<{ json: string; weights: Uint8Array }> {
  let out: { json: string; weights: Uint8Array } | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weights =
        a.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(a.weightData);
      const json: tf.io.ModelJSON = {
        modelTopology: a.modelTopology as {},
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs ?? [] }],
      };
      out = { json: JSON.stringify(json), weights: new Uint8Array(weights) };
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          weightDataBytes: weights.byteLength,
        },
      };
    }),
  );
  return out!;
}

/** mean.json's text (the format runtime/io/mean.ts reads). */
export function meanJson(mean: Float32Array, shape: readonly number[]): string {
  return JSON.stringify({ ...MEAN_FORMAT, shape: [...shape], values: Array.from(mean) }) + "\n";
}

/** The zip: every file inside the folder `folder/`. */
export function modelZip(
  folder: string,
  model: { json: string; weights: Uint8Array },
  files: Record<string, string>,
): Uint8Array {
  const entries: Record<string, Uint8Array> = {
    [`${folder}/model.json`]: strToU8(model.json),
    [`${folder}/weights.bin`]: model.weights,
  };
  for (const [name, text] of Object.entries(files)) entries[`${folder}/${name}`] = strToU8(text);
  return zipSync(entries, { level: 6 });
}

/** Saves `bytes` as `name` through the browser's download. */
export function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: "application/zip" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
