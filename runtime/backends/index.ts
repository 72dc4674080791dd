// Backend selection and diagnosis. Importing this module registers resnetc's wasm training
// kernels and gradients (idempotent), so a later tf.setBackend("wasm") made by hand trains too.
import { registerWasmTrainingKernels } from "../kernels/wasm/index.js";

export { selectBackend, type SelectOptions } from "./select.js";
export { doctor, renderDoctor } from "./doctor.js";
export { BackendError } from "./errors.js";
export { heapLimitBytes } from "./memory.js";
export { wasmHeapLimitBytes, wasmHeapSizeBytes } from "../kernels/wasm/index.js";
export {
  AUTO_ORDER,
  BACKEND_REQUESTS,
  type BackendChoice,
  type BackendName,
  type BackendProbe,
  type BackendRequest,
  type BackendStatus,
  type DoctorReport,
} from "./types.js";

registerWasmTrainingKernels();
