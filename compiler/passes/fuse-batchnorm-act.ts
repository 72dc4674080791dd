// Training pass: a batch norm takes its ReLU, or the block's residual addition and the ReLU after
// it, so that training runs BN + (add) + ReLU as one kernel forward and one backward
// (ResnetcBatchNormAct) instead of a dozen elementwise ones. Weights keep their names: the fused
// node is the batch norm's.
import type { Pass } from "./index.js";
import { fuseEpilogues } from "./epilogue.js";

export const fuseBatchNormAct: Pass = {
  name: "fuse-batchnorm-act",
  summary: "folds ReLU and residual add + ReLU into the batch norm that feeds them (training)",
  run: (g) => fuseEpilogues(g, "bn"),
};
