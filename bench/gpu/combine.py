"""Joins the webgpu and PyTorch halves of the GPU bench into one results file and prints the table.

  python3 bench/gpu/combine.py WEBGPU_JSON TORCH_JSON OUT_JSON [EXTRA_JSON]

Ratio = resnetc on webgpu images/s / PyTorch images/s (1.0 = as fast; below 1 = slower). A half
that is missing or failed is kept as it is and its ratios are null.
"""
import json
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"error": f"{path}: {e}"}


def main():
    webgpu, torch = load(sys.argv[1]), load(sys.argv[2])
    extra = load(sys.argv[4]) if len(sys.argv) > 4 else {}
    rows = []
    for net in webgpu.get("nets", []) or [{"net": "ResNet-50"}, {"net": "ResNet-20"}]:
        name = net.get("net")
        ours = net.get("imagesPerSecond")
        for mode, by_net in (torch.get("modes") or {"no PyTorch result": {}}).items():
            theirs = (by_net.get(name) or {}).get("imagesPerSecond")
            rows.append({
                "net": name,
                "batch": net.get("batch"),
                "torchBatch": (by_net.get(name) or {}).get("batch"),
                "resnetcWebgpuImagesPerSecond": ours,
                "pytorchMode": mode,
                "pytorchImagesPerSecond": theirs,
                "ratio": ours / theirs if ours and theirs else None,
            })
    adapter = webgpu.get("adapter") or {}
    machine = (adapter.get("device") or torch.get("device") or
               (webgpu.get("machine") or {}).get("hostname") or "unknown")
    out = {
        "date": webgpu.get("date"),
        "machine": machine,
        "check": webgpu.get("check"),
        "rows": rows,
        "webgpu": webgpu,
        "pytorch": torch,
        **({"environment": extra} if extra else {}),
    }
    with open(sys.argv[3], "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")

    def fmt(v):
        return "-" if v is None else f"{v:.1f}" if v >= 1 else f"{v:.3f}"

    about = webgpu.get("reason") or webgpu.get("error") or "webgpu: no result"
    print(f"\nGPU bench on {machine}: {about[:200]}")
    print(f"{'net':10} {'batch':>5} {'resnetc webgpu':>15} {'PyTorch mode':>18} {'PyTorch':>9} {'ratio':>7}")
    for r in rows:
        print(f"{r['net']:10} {str(r['batch']):>5} {fmt(r['resnetcWebgpuImagesPerSecond']):>15} "
              f"{r['pytorchMode']:>18} {fmt(r['pytorchImagesPerSecond']):>9} {fmt(r['ratio']):>7}")
    print("images/s; ratio = resnetc on webgpu / PyTorch")
    check = webgpu.get("check")
    if check:
        verdict = "passed" if check.get("passed") else "FAILED: " + "; ".join(check.get("failures", []))
        print(f"check of a ResNet training step on {check.get('backend')} against cpu: {verdict[:300]}")


if __name__ == "__main__":
    main()
