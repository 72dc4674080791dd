"""PyTorch half of the GPU bench: the same nets as resnetc's examples (bench/torch_resnet.py's
ResNet-20 with option-A shortcuts and ResNet-50 v1), trained on synthetic data on the GPU with SGD
momentum and weight decay, fp32 twice: TF32 off (true fp32 math, as WebGPU does it) and TF32 on
(PyTorch's cuDNN default for convolutions; tensor cores). NCHW, cudnn.benchmark on.

Prints one JSON object on its last line. Usage:
  python3 bench/gpu/torch_gpu.py [--r50-batch 64] [--r20-batch 128] [--steps 20] [--out torch.json]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_resnet import Cifar, ResNet50  # noqa: E402  (bench/torch_resnet.py)


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def train_rate(make, shape, classes, batch, steps, budget_s, device):
    """Images/s of training steps after 3 warm-ups; stops early past budget_s (at least 2 steps)."""
    torch.manual_seed(0)
    net = make().to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(batch, *shape, device=device)
    y = torch.arange(batch, device=device) % classes

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss

    t0 = time.perf_counter()
    step()
    sync(device)
    first = time.perf_counter() - t0
    for _ in range(2):
        step()
    sync(device)
    done, t = 0, time.perf_counter()
    while done < steps:
        loss = step()
        done += 1
        if done >= 2 and done % 5 == 0:
            sync(device)
            if time.perf_counter() - t > budget_s:
                break
    sync(device)
    seconds = time.perf_counter() - t
    out = {
        "batch": batch,
        "steps": done,
        "seconds": seconds,
        "imagesPerSecond": batch * done / seconds,
        "firstStepSeconds": first,
        "finalLoss": float(loss),
    }
    if device == "cuda":
        out["peakMemoryGiB"] = torch.cuda.max_memory_allocated() / 2**30
    del net, opt, x, y
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--r50-batch", type=int, default=64)
    ap.add_argument("--r20-batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--budget-s", type=float, default=30)
    ap.add_argument("--out", default="")
    ap.add_argument("--device", default="cuda", help="cpu: a smoke test of this script without a GPU")
    a = ap.parse_args()
    if a.device == "cuda" and not torch.cuda.is_available():
        result = {"error": "torch.cuda.is_available() is False", "torch": torch.__version__}
    else:
        torch.backends.cudnn.benchmark = True
        result = {
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if a.device == "cuda" else None,
            "device": torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu",
            "layout": "NCHW",
            "cudnnBenchmark": True,
            "modes": {},
        }
        nets = [
            ("ResNet-50", ResNet50, (3, 224, 224), 1000, a.r50_batch),
            ("ResNet-20", Cifar, (3, 32, 32), 10, a.r20_batch),
        ]
        for mode, tf32 in [("fp32, TF32 off", False), ("fp32, TF32 on", True)]:
            set_tf32(tf32)
            rows = {}
            for name, make, shape, classes, batch in nets:
                try:
                    rows[name] = train_rate(make, shape, classes, batch, a.steps, a.budget_s,
                                            a.device)
                except RuntimeError as e:  # out of memory, say
                    rows[name] = {"batch": batch, "error": str(e).splitlines()[0][:300]}
                    if a.device == "cuda":
                        torch.cuda.empty_cache()
                r = rows[name]
                if "imagesPerSecond" in r:
                    print(f"PyTorch {mode}: {name} batch {batch}: {r['imagesPerSecond']:.1f} images/s",
                          flush=True)
                else:
                    print(f"PyTorch {mode}: {name} batch {batch}: failed: {r['error']}", flush=True)
            result["modes"][mode] = rows
    if a.out:
        with open(a.out, "w") as f:
            json.dump(result, f, indent=2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
