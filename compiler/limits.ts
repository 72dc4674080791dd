// How large a network may be. Every number a spec gives is checked against these before anything
// is expanded or allocated, so that any input gets an answer in bounded time and memory: an
// absurd number is an error at its line (RN122) naming the limit, never a hang or an out-of-memory
// abort. The limits sit far above every published ResNet (ResNet-1202 has 200 blocks a stage).
export const LIMITS = {
  /** Blocks in one stage. */
  blocks: 1000,
  /** Stages in one `stages a..b` range. */
  stages: 64,
  /** Channels of a conv, a stage width, or the input's channels. */
  channels: 65_536,
  /** Units of an fc layer (ImageNet-21k has 21,841 classes). */
  units: 1_000_000,
  /** Kernel and pool sizes, strides, padding. */
  window: 1024,
  /** Input height and width. */
  inputSize: 16_384,
  /** Variants of one model. */
  variants: 256,
  /** Elements of any one feature map of one example (4 GiB of float32). */
  featureMap: 2 ** 30,
  /** IR nodes of one network. */
  nodes: 200_000,
  /** Trainable parameters of one network (8 GB of float32). */
  params: 2_000_000_000,
} as const;

/** The limit for a number positiveInt checks, by what the number is. */
export function limitFor(what: string): number {
  if (/block count/.test(what)) return LIMITS.blocks;
  if (/width|channels/.test(what)) return LIMITS.channels;
  if (/units/.test(what)) return LIMITS.units;
  return LIMITS.window;
}

export const LIMIT_HINT =
  "resnetc refuses absurdly large networks; every limit is listed in docs/diagnostics.md (RN122)";
