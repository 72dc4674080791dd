// Data augmentation as in He et al. (2015), "Deep Residual Learning for Image Recognition":
//  - CIFAR-10 (sec. 4.2): "4 pixels are padded on each side, and a 32x32 crop is randomly sampled
//    from the padded image or its horizontal flip", after per-pixel mean subtraction;
//  - ImageNet (sec. 3.4): "the image is resized with its shorter side randomly sampled in
//    [256, 480] for scale augmentation. A 224x224 crop is randomly sampled from an image or its
//    horizontal flip, with the per-pixel mean subtracted".
//
// The random numbers are drawn per example, in epoch order, by `planExample` before any pixel is
// touched; the pixel work (`renderExample`) happens later, possibly while other batches are being
// decoded. What is drawn depends only on the Augmentation, never on the pixels or image sizes, so
// skipping examples draws exactly the numbers the un-skipped run draws.
import type { Augmentation } from "../../compiler/recipe.js";
import type { Rng } from "../rng.js";

/** The random choices for one example. */
export interface ExamplePlan {
  /** Shorter side to resize to (scale augmentation), or 0 for the loader's default size. */
  scale: number;
  /** Crop position as a fraction in [0, 1) of the free range (rows, columns); NaN = centre. */
  cropY: number;
  cropX: number;
  flip: boolean;
}

/** True when `aug` asks for anything at all. */
export function isActive(aug: Augmentation | null): aug is Augmentation {
  return aug !== null && (aug.pad > 0 || aug.randomCrop > 0 || aug.flip || aug.scale !== null);
}

/** True when the crop position is random (padding, an explicit random crop, or scale jitter). */
export function hasRandomCrop(aug: Augmentation): boolean {
  return aug.pad > 0 || aug.randomCrop > 0 || aug.scale !== null;
}

/**
 * Draws one example's random choices. The draws, in this order and only when enabled, are:
 * scale (one `rng.int`), crop (two `rng.next`: rows, then columns), flip (one `rng.next`, < 0.5
 * flips).
 */
export function planExample(aug: Augmentation | null, rng: Rng): ExamplePlan {
  const plan: ExamplePlan = { scale: 0, cropY: NaN, cropX: NaN, flip: false };
  if (!isActive(aug)) return plan;
  if (aug.scale !== null) plan.scale = rng.int(aug.scale[0], aug.scale[1]);
  if (hasRandomCrop(aug)) {
    plan.cropY = rng.next();
    plan.cropX = rng.next();
  }
  if (aug.flip) plan.flip = rng.next() < 0.5;
  return plan;
}

/** The offset chosen by fraction `u` among the `range + 1` possible ones (NaN: the centre one). */
export function cropOffset(u: number, range: number): number {
  if (Number.isNaN(u)) return range >> 1;
  return Math.min(range, Math.floor(u * (range + 1)));
}

/** Where the output window lies in the zero-padded source image. */
export interface Geometry {
  srcH: number;
  srcW: number;
  channels: number;
  /** Zero padding on each side of the source. */
  pad: number;
  outH: number;
  outW: number;
  /** Top-left corner of the window in padded coordinates. */
  dy: number;
  dx: number;
  flip: boolean;
}

/** Places an outH x outW window in a srcH x srcW image padded by `pad`, as `plan` says. */
export function geometry(
  plan: ExamplePlan,
  pad: number,
  srcH: number,
  srcW: number,
  channels: number,
  outH: number,
  outW: number,
): Geometry {
  const rangeY = srcH + 2 * pad - outH;
  const rangeX = srcW + 2 * pad - outW;
  if (rangeY < 0 || rangeX < 0) {
    throw new Error(
      `cannot crop ${outH}x${outW} from a ${srcH}x${srcW} image padded by ${pad} (internal error)`,
    );
  }
  return {
    srcH,
    srcW,
    channels,
    pad,
    outH,
    outW,
    dy: cropOffset(plan.cropY, rangeY),
    dx: cropOffset(plan.cropX, rangeX),
    flip: plan.flip,
  };
}

/**
 * Writes one example into `out` at `outOffset`: the window `g` of the zero-padded source, mirrored
 * left-right when `g.flip`, as float32 `byte / 255 - mean`. Pixels that fall in the padding are 0 in
 * the output (i.e. zero padding happens after mean subtraction, as in the paper).
 *
 * `src` holds the source image as HWC bytes starting at `srcOffset`. `meanAt` says how the per-pixel
 * mean is indexed: "source" (same size as the source; CIFAR/MNIST, where the paper subtracts the
 * mean before padding and cropping) or "output" (same size as the output; image folders, where the
 * source size varies from image to image).
 */
export function renderExample(
  src: Uint8Array,
  srcOffset: number,
  g: Geometry,
  out: Float32Array,
  outOffset: number,
  mean: Float32Array | null,
  meanAt: "source" | "output",
): void {
  const { srcH, srcW, channels: c, pad, outH, outW, dy, dx, flip } = g;
  let o = outOffset;
  for (let y = 0; y < outH; y++) {
    const sy = y + dy - pad;
    const rowInside = sy >= 0 && sy < srcH;
    for (let x = 0; x < outW; x++) {
      const cx = flip ? outW - 1 - x : x;
      const sx = cx + dx - pad;
      if (!rowInside || sx < 0 || sx >= srcW) {
        for (let k = 0; k < c; k++) out[o++] = 0;
        continue;
      }
      const s = (sy * srcW + sx) * c;
      const m = meanAt === "source" ? s : (y * outW + x) * c;
      for (let k = 0; k < c; k++) {
        const v = src[srcOffset + s + k] / 255;
        out[o++] = mean === null ? v : v - mean[m + k];
      }
    }
  }
}
