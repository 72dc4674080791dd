// The two variants of resnetc's convolution loops the specs run every case with: fused
// multiply-adds (relaxed SIMD, the default wherever the engine has it: every Node this project
// supports, with the V8 flag conv_module.ts sets) and the mul+add loops (RESNETC_WASM_FMA=off).
// The expected route names carry "+fma" in the first, so a case fails if FMA should have run and
// did not, or ran when it was turned off.

import { FMA_ENV } from "../../../runtime/kernels/wasm/conv_module.js";

export interface FmaVariant {
  label: string;
  /** The value of RESNETC_WASM_FMA while the variant runs (undefined: unset). */
  env: string | undefined;
  /** The route name a SIMD route takes in this variant: "direct" -> "direct+fma". */
  route(base: string, ...epilogue: string[]): string;
}

const SIMD_ROUTES = new Set(["direct", "winograd", "phases"]);

function variant(label: string, env: string | undefined, suffix: string): FmaVariant {
  return {
    label,
    env,
    route: (base, ...epilogue) =>
      SIMD_ROUTES.has(base) ? [base + suffix, ...epilogue].join("+") : base,
  };
}

export const FMA_VARIANTS: FmaVariant[] = [
  variant("fma", undefined, "+fma"),
  variant("mul+add", "off", ""),
];

/** Runs f with RESNETC_WASM_FMA as the variant says, restoring it after. */
export async function withFma<T>(v: FmaVariant, f: () => Promise<T>): Promise<T> {
  const before = process.env[FMA_ENV];
  if (v.env == null) delete process.env[FMA_ENV];
  else process.env[FMA_ENV] = v.env;
  try {
    return await f();
  } finally {
    if (before == null) delete process.env[FMA_ENV];
    else process.env[FMA_ENV] = before;
  }
}
