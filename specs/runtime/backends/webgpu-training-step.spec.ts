// A ResNet-20-like training step on webgpu against the cpu backend (the net and the steps are in
// bench/gpu/check.ts, which the GPU bench runs too): the loss of each of two steps, every gradient
// of the first, and every weight after the second, batch norm's moving statistics included.
//
// It runs where Dawn finds a real adapter, else on SwiftShader's software Vulkan (see
// software-vulkan.ts); elsewhere it is skipped with the reason in its name, except in CI, where it
// fails.

import { describe, expect, it } from "vitest";
import { STEPS, TOLERANCE, trainSteps } from "../../../bench/gpu/check.js";
import { selectBackend } from "../../../runtime/backends/index.js";
import { expectClose } from "./helpers.js";
import { IN_CI, computes, probeWebgpuOrSoftware, whyNot } from "./software-vulkan.js";

/** The backend under test; the reference is always cpu. */
const BACKEND = "webgpu";
const probe = await probeWebgpuOrSoftware();
const runs = computes(probe);
const title = runs ? `ResNet training steps on webgpu (${probe.summary}) match cpu` : whyNot(probe);

describe.skipIf(!runs && !IN_CI)(title, () => {
  it("loss, every gradient, and the weights after two SGD-momentum steps", async () => {
    if (!runs) throw new Error(`CI must run this spec: ${title}`);
    const cpu = await trainSteps("cpu");
    const gpu = await trainSteps(BACKEND);
    await selectBackend("cpu", { env: {} });
    // 7 convolutions, 7 batch norms (gamma, beta), the dense layer's kernel and bias.
    expect(cpu.grads.length).toBe(7 + 2 * 7 + 2);
    expect(gpu.losses.length).toBe(STEPS);
    expectClose(gpu.losses, cpu.losses, "losses", ...TOLERANCE.loss);
    cpu.grads.forEach((g, i) =>
      expectClose(gpu.grads[i], g, `gradient ${i}`, ...TOLERANCE.gradient),
    );
    cpu.weightsAfter.forEach((w, i) =>
      expectClose(gpu.weightsAfter[i], w, `weight ${cpu.names[i]}`, ...TOLERANCE.weight),
    );
  });
});
