// Decoding one image file with sharp: EXIF orientation applied, alpha flattened onto black,
// converted to 8-bit sRGB, resized (aspect kept) so that it covers a given size.
import sharp from "sharp";

export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp"];

export interface DecodedImage {
  /** HWC bytes, 3 channels (RGB). */
  data: Uint8Array;
  height: number;
  width: number;
}

/** sharp could not decode a file; `reason` is sharp's message, on one line. */
export class ImageDecodeError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot decode image ${path}: ${reason}`);
    this.name = "ImageDecodeError";
  }
}

/**
 * Decodes `path` and resizes it, keeping its aspect ratio, to the smallest size that is at least
 * `minHeight` x `minWidth` (so with minHeight = minWidth = s, the shorter side becomes s).
 */
export async function decodeCovering(
  path: string,
  minHeight: number,
  minWidth: number,
): Promise<DecodedImage> {
  let out;
  try {
    out = await sharp(path)
      .autoOrient()
      .resize({ width: minWidth, height: minHeight, fit: "outside" })
      .flatten()
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toUint8Array();
  } catch (e) {
    throw new ImageDecodeError(path, reason(e));
  }
  const { width, height, channels } = out.info;
  const data = out.data;
  if (channels === 3) return { data, height, width };
  if (channels === 1) {
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i];
    return { data: rgb, height, width };
  }
  throw new ImageDecodeError(path, `decoded to ${channels} channels, expected RGB`);
}

/** sharp's message, its distinct lines joined by "; " (libvips repeats itself). */
function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = [...new Set(text.split(/\r?\n/).map((l) => l.trim()))].filter((l) => l !== "");
  return lines.join("; ") || "unknown error";
}
