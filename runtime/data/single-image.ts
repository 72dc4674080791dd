// One image file -> a model input (resnetc predict): decoded with sharp, resized so that it covers
// the model's input, centre-cropped, grey or RGB as the model wants, scaled to [0, 1] like the loaders.
import sharp from "sharp";
import { DataError } from "./types.js";

export async function loadImageForModel(
  path: string,
  [h, w, c]: [number, number, number],
): Promise<Float32Array> {
  let out;
  try {
    let img = sharp(path)
      .autoOrient()
      .resize({ width: w, height: h, fit: "cover", position: "centre" })
      .flatten();
    img = c === 1 ? img.greyscale() : img.toColourspace("srgb");
    out = await img.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    const reason = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new DataError(`cannot decode image ${path}: ${reason}`, path);
  }
  const { data, info } = out;
  if (c !== 1 && c !== 3)
    throw new DataError(`models with ${c} input channels cannot classify image files`, path);
  const x = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < c; k++)
      x[i * c + k] = data[i * info.channels + Math.min(k, info.channels - 1)] / 255;
  }
  return x;
}
