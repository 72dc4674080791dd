// Loading pretrained weights: how much longer `build --weights` takes than a build without them, for
// ResNet-50 (torchvision's resnet50, 25.6M parameters, ~100 MB). Makes the weights files with Debian's
// python3-torch (random weights: the time does not depend on the values), then times, best of 3:
//   build: compile (check + shape inference) + lower with He initialisation
//   build --weights FILE: compile + read FILE + bind by torchvision's names + lower with those
//     weights (as build does: zero-initialised layers, every weight then set from the file)
//   node --import tsx bench/weights.ts
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkFile } from "../compiler/check.js";
import { lower } from "../compiler/targets/tfjs/lower.js";
import { selectBackend } from "../runtime/backends/index.js";
import { bindTorchWeights } from "../runtime/io/torchvision.js";
import { readWeightsFile } from "../runtime/io/weights-file.js";
import { torchPython } from "../specs/helpers/python.js";

const SPEC = "examples/imagenet/resnet-v15.resnet";
const py = torchPython();
if (py === null) {
  console.log("bench/weights.ts needs python3-torch and python3-torchvision to make the files");
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "resnetc-bench-weights-"));
const make = `
import sys, torch, torchvision
sys.path.insert(0, "specs/fixtures/torchvision")
from make import write_safetensors
sd = torchvision.models.resnet50().state_dict()
torch.save(sd, "${dir}/resnet50.pth")
write_safetensors("${dir}/resnet50.safetensors", sd)
`;
const r = spawnSync(py, ["-c", make], { encoding: "utf8" });
if (r.status !== 0) throw new Error(r.stderr);

await selectBackend("wasm");

async function best(f: () => Promise<tfl.LayersModel>): Promise<number> {
  let t = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const m = await f();
    t = Math.min(t, performance.now() - t0);
    m.dispose();
  }
  return t;
}

const graph = () => checkFile(SPEC, { variant: "50" }).graphs[0]!;
const he = await best(async () => lower(graph(), { seed: 1 }));
const zeros = await best(async () => lower(graph(), { init: "zeros" }));
console.log(`build ResNet-50, He initialisation:          ${he.toFixed(0)} ms`);
console.log(`build ResNet-50, zero-filled (structure only): ${zeros.toFixed(0)} ms`);
for (const ext of ["safetensors", "pth"]) {
  const file = join(dir, `resnet50.${ext}`);
  let read = Infinity;
  const t = await best(async () => {
    const t0 = performance.now();
    const w = await readWeightsFile(file);
    const bound = bindTorchWeights(graph(), w.tensors, file);
    read = Math.min(read, performance.now() - t0);
    return lower(bound, { init: "zeros" });
  });
  const mb = (statSync(file).size / 1e6).toFixed(0);
  console.log(
    `build ResNet-50 --weights .${ext} (${mb} MB): ${t.toFixed(0)} ms, of which reading and binding the file ${read.toFixed(0)} ms; ${(t - he).toFixed(0)} ms against He initialisation`,
  );
}
rmSync(dir, { recursive: true, force: true });
