// Inference pass (after fold-batchnorm): a convolution takes its ReLU, or the block's residual
// addition and the ReLU after it, into its epilogue, so that the output is written once:
// conv2_1_conv2 -> add -> relu becomes one conv2_1_conv2 with a residual input and relu. The tfjs
// executor runs it as one ResnetcFusedConv2D kernel where the backend has one.
import type { Pass } from "./index.js";
import { fuseEpilogues } from "./epilogue.js";

export const fuseConvEpilogue: Pass = {
  name: "fuse-conv-epilogue",
  summary: "folds ReLU and residual add + ReLU into the conv that feeds them (inference)",
  run: (g) => fuseEpilogues(g, "conv"),
};
