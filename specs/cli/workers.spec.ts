// --workers: how `resnetc train` decides how many threads share a batch.
import { describe, expect, it } from "vitest";
import { workerCount } from "../../cli/commands/train.js";
import { UsageError } from "../../cli/errors.js";

describe("--workers", () => {
  it("auto (or absent) uses the cores on wasm and cpu, one thread on GPU backends", () => {
    expect(workerCount(undefined, "webgpu", 128)).toBe(1);
    expect(workerCount("auto", "gpu", 128)).toBe(1);
    expect(workerCount("auto", "wasm", 8)).toBe(1); // shares would fall under 16 examples
    expect(workerCount("auto", "wasm", 1024)).toBeGreaterThanOrEqual(1);
  });

  it("a number is taken as asked on wasm and cpu", () => {
    expect(workerCount("3", "wasm", 64)).toBe(3);
    expect(workerCount("1", "gpu", 64)).toBe(1);
  });

  it("more than one on a GPU backend is a usage error with a hint", () => {
    expect(() => workerCount("2", "webgpu", 64)).toThrow(UsageError);
    expect(() => workerCount("2", "node", 64)).toThrow(
      "--workers 2 applies to the wasm and cpu backends, not node",
    );
  });

  it("not a whole number, or more than the batch: usage errors", () => {
    expect(() => workerCount("two", "wasm", 64)).toThrow(
      "--workers must be auto or a positive whole number, got 'two'",
    );
    expect(() => workerCount("65", "wasm", 64)).toThrow(
      "--workers 65 is more than the batch size 64",
    );
  });
});
