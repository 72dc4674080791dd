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
