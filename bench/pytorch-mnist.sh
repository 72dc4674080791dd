#!/usr/bin/env bash
# The MNIST example's time per epoch, from one run on this machine: `resnetc train` beside the
# PyTorch target's train.py on 1 process and on 2 (DistributedDataParallel, gloo), same digits
# (`resnetc data export mnist`), same spec, same initial weights. Prints a Markdown table.
#   bash bench/pytorch-mnist.sh            # EPOCHS=2 by default
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-2}
PY=$(for p in /usr/bin/python3 python3; do $p -c 'import torch' 2>/dev/null && echo $p && break; done)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
node bin/resnetc.js build examples/mnist/resnet.resnet --target pytorch -o "$W/mn" --seed 1 >/dev/null 2>&1
node bin/resnetc.js data export mnist "$W/digits" >/dev/null 2>&1
node bin/resnetc.js train examples/mnist/resnet.resnet --epochs "$EPOCHS" --seed 1 --out "$W/resnetc" --progress none >/dev/null 2>&1
# PyTorch without the OpenBLAS overrides some machines set (they slow its kernels).
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$W/mn/train.py" --data "folder:$W/digits" \
  --epochs "$EPOCHS" --out "$W/torch1" --progress none >/dev/null
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$W/mn/launch.py" --nproc_per_node=2 "$W/mn/train.py" \
  --data "folder:$W/digits" --epochs "$EPOCHS" --out "$W/torch2" --progress none >/dev/null 2>&1
"$PY" - "$W" "$EPOCHS" <<'PY'
import json, sys
w, epochs = sys.argv[1], int(sys.argv[2])
rows = [("resnetc train (wasm, 2 workers)", "resnetc"), ("train.py, 1 process", "torch1"), ("train.py, 2 processes (DDP, gloo)", "torch2")]
print(f"| {epochs} epochs of 9,000 digits, batch 64 | seconds per epoch | training images/s | test top-1 error after epoch {epochs} |")
print("|---|---|---|---|")
for label, d in rows:
    m = [json.loads(l) for l in open(f"{w}/{d}/metrics.jsonl")]
    sec = sum(x["seconds"] for x in m) / len(m)
    ips = sum(x["imagesPerSec"] for x in m) / len(m)
    print(f"| {label} | {sec:.1f} | {ips:,.0f} | {m[-1]['testTop1Error']:.2%} |")
PY
