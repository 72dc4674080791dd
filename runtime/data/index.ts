// The data loaders: open a data spec, get train/test splits that produce batches.
export { DataError } from "./types.js";
export type { Batch, BatchOptions, DataSource, DataSplit } from "./types.js";
export { openDataSource, SPEC_FORMS, type OpenOptions } from "./open.js";
export { MNIST_TEST_SIZE, MNIST_TRAIN_SIZE } from "./mnist.js";
export { CIFAR10_CLASSES } from "./cifar10.js";
export { DEFAULT_IMAGE_SIZE, MEAN_SAMPLE } from "./folder.js";
