// Errors of the checkpoint and model files: always name the file (or directory) concerned.

/** A missing, truncated or corrupt checkpoint. */
export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** A missing, truncated or corrupt saved model (model.json, weights.bin, mean.json). */
export class ModelIOError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = "ModelIOError";
  }
}

/** A weights file (.safetensors, .pth) that cannot be read, or that resnetc refuses to read. */
export class WeightsFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = "WeightsFileError";
  }
}
