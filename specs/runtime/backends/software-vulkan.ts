// The webgpu specs run on a real adapter where Dawn finds one, else on SwiftShader's software
// Vulkan driver (which Debian's chromium package ships; .ci/run installs it): VK_ICD_FILENAMES is
// set for the spec file's process and its children. In CI (CI set) a spec that finds no adapter
// even so fails instead of skipping.
import { probeWebgpu } from "../../../runtime/backends/probes.js";
import type { BackendProbe } from "../../../runtime/backends/types.js";
import { resetAdapterProbe, swiftshaderIcd } from "../../../runtime/backends/webgpu.js";

export const IN_CI = !["", "0", "false"].includes(process.env.CI ?? "");

/** The webgpu probe, after pointing Vulkan at SwiftShader where Dawn found no adapter without it. */
export async function probeWebgpuOrSoftware(): Promise<BackendProbe> {
  const first = await probeWebgpu();
  const icd = swiftshaderIcd();
  if (first.status === "available" || icd == null || process.env.VK_ICD_FILENAMES) return first;
  process.env.VK_ICD_FILENAMES = icd;
  resetAdapterProbe();
  return probeWebgpu();
}

/** Whether the probe found an adapter that computes (not Dawn's null backend). */
export function computes(p: BackendProbe): boolean {
  return p.status === "available" && p.adapter?.device !== "null-backend";
}

/** Why a webgpu spec cannot run here. */
export function whyNot(p: BackendProbe): string {
  return p.status === "no GPU visible"
    ? p.summary.replace("no adapter", "no adapter here, not even SwiftShader")
    : `webgpu: not usable here (${p.autoSkip ?? p.summary})`;
}
