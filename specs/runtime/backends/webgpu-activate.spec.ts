// Activating the webgpu backend for real, without a GPU: Dawn's null backend (DAWNNODE_BACKEND=null)
// gives an adapter and a device that accept work and compute nothing. That is enough to check the
// route end to end: the probe's child finds the adapter, this process loads Dawn, installs
// navigator.gpu, registers and activates tfjs-backend-webgpu, and auto still passes it over. Dawn
// still compiles every shader there, so a pipeline tfjs-backend-webgpu gets wrong shows up too.

import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../../runtime/backends/index.js";
import { isInstalled } from "../../../runtime/backends/packages.js";
import {
  SYNC_READ_MESSAGE,
  resetAdapterProbe,
  runAdapterProbe,
  webgpuDevice,
} from "../../../runtime/backends/webgpu.js";

const installed = isInstalled("webgpu") && isInstalled("@tensorflow/tfjs-backend-webgpu");
// Dawn loads here (its prebuilt dawn.node matches this platform) when the null backend answers.
const nullProbe = installed
  ? await runAdapterProbe({ ...process.env, DAWNNODE_BACKEND: "null" })
  : null;
const dawnLoads = nullProbe?.adapter?.device === "null-backend";
const tfjsNode = isInstalled("@tensorflow/tfjs-node-gpu") || isInstalled("@tensorflow/tfjs-node");
const title = dawnLoads
  ? "webgpu on Dawn's null adapter"
  : `webgpu: Dawn does not load here (${nullProbe?.error ?? "webgpu not installed"})`;

describe.skipIf(!dawnLoads)(title, () => {
  const before = process.env.DAWNNODE_BACKEND;
  beforeAll(() => {
    process.env.DAWNNODE_BACKEND = "null";
    resetAdapterProbe();
  });
  afterAll(async () => {
    if (before == null) delete process.env.DAWNNODE_BACKEND;
    else process.env.DAWNNODE_BACKEND = before;
    resetAdapterProbe();
    await tf.setBackend("cpu");
  });

  it.skipIf(tfjsNode)("auto passes the null adapter over, saying why", async () => {
    const choice = await selectBackend(undefined, { env: {} });
    expect(choice.name).toBe("wasm");
    expect(choice.reason).toBe(
      "backend wasm (auto: @tensorflow/tfjs-node-gpu not installed, " +
        "@tensorflow/tfjs-node not installed, " +
        "webgpu: only Dawn's null adapter (DAWNNODE_BACKEND=null; it computes nothing); 1 thread)",
    );
  });

  it("--backend webgpu activates tfjs-backend-webgpu on it", async () => {
    const choice = await selectBackend("webgpu", { env: {} });
    expect(choice.name).toBe("webgpu");
    expect(choice.tfBackend).toBe("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(choice.reason).toBe("backend webgpu (requested by --backend; adapter null-backend)");
    const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter?: unknown } } }).navigator
      ?.gpu;
    expect(typeof gpu?.requestAdapter).toBe("function");
    // Work is accepted and read back asynchronously (the values are the null backend's: none).
    const x = tf.add(tf.ones([64, 64]), tf.ones([64, 64]));
    expect((await x.data()).length).toBe(64 * 64);
    x.dispose();
  });

  it("a synchronous read of GPU memory says to read asynchronously", async () => {
    await selectBackend("webgpu", { env: {} });
    const y = tf.matMul(tf.ones([32, 32]), tf.ones([32, 32]));
    expect(() => y.dataSync()).toThrow(SYNC_READ_MESSAGE);
    y.dispose();
  });

  it("pads of rank 5 and 6 compile (tfjs-backend-webgpu's own pad shader does not)", async () => {
    await selectBackend("webgpu", { env: {} });
    const device = webgpuDevice() as {
      pushErrorScope(f: string): void;
      popErrorScope(): Promise<{ message: string } | null>;
    };
    device.pushErrorScope("validation");
    // Large enough to run on the GPU rather than on tfjs-backend-webgpu's CPU fallback.
    const x = tf.add(tf.ones([4, 8, 2, 8, 2, 16]), 1);
    const grad = tf.grad((a: tf.Tensor) =>
      tf.sum(tf.slice(a, [0, 0, 0, 0, 0, 0], [4, 8, 1, 8, 1, 16])),
    )(x);
    const pad5 = tf.pad(tf.add(tf.ones([4, 8, 1, 8, 16]), 1), [
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ]);
    await grad.data();
    await pad5.data();
    expect(grad.shape).toEqual([4, 8, 2, 8, 2, 16]);
    expect(pad5.shape).toEqual([4, 8, 2, 8, 16]);
    expect(await device.popErrorScope()).toBeNull();
    tf.dispose([x, grad, pad5]);
  });

  it("switching away and back works", async () => {
    await selectBackend("cpu", { env: {} });
    expect(tf.getBackend()).toBe("cpu");
    await selectBackend("webgpu", { env: {} });
    expect(tf.getBackend()).toBe("webgpu");
  });
});
