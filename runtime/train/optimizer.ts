// SGD with momentum, PyTorch semantics:
//   d = g + wd * w          (weight decay only on conv/dense kernels, never biases or BN gamma/beta)
//   v = m * v + d
//   w = w - lr * v           (nesterov: w = w - lr * (d + m * v))
// The velocities live in tf.Variables created up front (zeros, which equals PyTorch's first step), so the
// number of tensors does not change while training. They are exported and imported by key for checkpoints.
// Where the backend has it (wasm, cpu), each variable's update is one fused kernel call
// (runtime/kernels/wasm/sgd_update.ts) computing the same float32 operations in the same order;
// elsewhere (webgpu), or with `fused: false`, the op-by-op path below.
import * as tf from "@tensorflow/tfjs-core";

import { SGD_KERNEL, type SgdAttrs, sgdKernelAvailable } from "../kernels/wasm/sgd_update.js";

export interface SgdParam {
  /** Stable key (used in checkpoints), e.g. the layer weight's original name "conv1/kernel". */
  key: string;
  variable: tf.Variable;
  /** Apply weight decay to this parameter. */
  decay: boolean;
}

export interface SgdOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov?: boolean;
  /** Use the fused update kernel where the backend has one (default true). */
  fused?: boolean;
}

/** A velocity as saved in a checkpoint. */
export interface VelocityState {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * The default rule for weight decay: only kernels of convolutions and dense layers (weights whose name ends
 * in "kernel", e.g. "conv1/kernel", "dw/depthwise_kernel"), not biases, not BN gamma/beta/moving statistics.
 */
export function isDecayedWeight(name: string): boolean {
  const last = name.split("/").pop() ?? name;
  return /kernel(_\d+)?$/.test(last);
}

export class SgdMomentum {
  /** The learning rate of the next step; set it before each step. */
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly fused: boolean;
  /** How the last step ran: "fused" (one kernel per variable) or "ops"; null before a step. */
  lastRoute: "fused" | "ops" | null = null;
  private readonly params: SgdParam[];
  private readonly velocities: Map<string, tf.Variable>;
  private readonly byVariableName: Map<string, SgdParam>;

  constructor(params: SgdParam[], opts: SgdOptions) {
    this.lr = opts.lr;
    this.momentum = opts.momentum;
    this.weightDecay = opts.weightDecay;
    this.nesterov = opts.nesterov ?? false;
    this.fused = opts.fused ?? true;
    if (this.nesterov && this.momentum <= 0)
      throw new Error("Nesterov momentum requires momentum > 0");
    this.params = params;
    this.velocities = new Map();
    this.byVariableName = new Map();
    for (const p of params) {
      if (this.velocities.has(p.key)) throw new Error(`duplicate parameter key "${p.key}"`);
      const v = tf.tidy(() => tf.variable(tf.zeros(p.variable.shape, "float32"), false));
      this.velocities.set(p.key, v);
      this.byVariableName.set(p.variable.name, p);
    }
  }

  /** The parameters' tf.Variables, in order (what to pass to tf.variableGrads). */
  variables(): tf.Variable[] {
    return this.params.map((p) => p.variable);
  }

  /** Applies one step. `grads` is keyed by tf.Variable name (as tf.variableGrads returns it); not disposed here. */
  step(grads: tf.NamedTensorMap): void {
    if (this.fused && sgdKernelAvailable()) this.stepFused(grads);
    else this.stepOps(grads);
  }

  private stepFused(grads: tf.NamedTensorMap): void {
    this.lastRoute = "fused";
    const { lr, momentum, weightDecay, nesterov } = this;
    tf.tidy(() => {
      for (const p of this.params) {
        const g = grads[p.variable.name];
        if (g === undefined) continue;
        const v = this.velocities.get(p.key)!;
        const attrs: SgdAttrs = { lr, momentum, weightDecay, nesterov, decay: p.decay };
        const out = tf
          .engine()
          .runKernel(SGD_KERNEL, { w: p.variable, g, v }, attrs as unknown as tf.NamedAttrMap);
        const [w1, v1] = out as tf.Tensor[];
        p.variable.assign(w1!);
        if (v1 !== undefined) v.assign(v1);
      }
    });
  }

  private stepOps(grads: tf.NamedTensorMap): void {
    this.lastRoute = "ops";
    const { lr, momentum: m, weightDecay: wd, nesterov } = this;
    tf.tidy(() => {
      for (const p of this.params) {
        const g = grads[p.variable.name];
        if (g === undefined) continue;
        const d = p.decay && wd !== 0 ? tf.add(g, tf.mul(p.variable, wd)) : g;
        const v = this.velocities.get(p.key)!;
        let update: tf.Tensor;
        if (m !== 0) {
          const vNew = tf.add(tf.mul(v, m), d);
          v.assign(vNew);
          update = nesterov ? tf.add(d, tf.mul(vNew, m)) : vNew;
        } else {
          update = d;
        }
        p.variable.assign(tf.sub(p.variable, tf.mul(update, lr)));
      }
    });
  }

  /** The velocities, by key, in parameter order. */
  async getState(): Promise<VelocityState[]> {
    return Promise.all(
      this.params.map(async (p) => {
        const v = this.velocities.get(p.key)!;
        return {
          name: p.key,
          shape: [...v.shape],
          values: Float32Array.from((await v.data()) as Float32Array),
        };
      }),
    );
  }

  /**
   * Restores velocities by key. Every parameter must have one with the same shape; `rename` maps a saved
   * name to this optimizer's key (when the checkpoint's names differ from the model's).
   */
  setState(state: VelocityState[], rename: (name: string) => string = (n) => n): void {
    const got = new Map<string, VelocityState>();
    for (const s of state) got.set(rename(s.name), s);
    for (const p of this.params) {
      const s = got.get(p.key);
      if (s === undefined) throw new Error(`optimizer state has no velocity for "${p.key}"`);
      const v = this.velocities.get(p.key)!;
      if (s.shape.length !== v.shape.length || s.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(
          `optimizer velocity for "${p.key}" has shape [${s.shape.join(", ")}], expected [${v.shape.join(", ")}]`,
        );
      }
      tf.tidy(() => v.assign(tf.tensor(s.values, v.shape, "float32")));
    }
  }

  dispose(): void {
    for (const v of this.velocities.values()) v.dispose();
    this.velocities.clear();
  }
}
