"""For each case folder of a PyTorch build (cases.json: [{dir, logprobs, torchvision}]): the
module's trainable parameters and state-dict names, whether torchvision's model of that name loads
into it and back with strict=True, and, given weights.safetensors and input.bin (NCHW float32), the
log-probabilities of the eval-mode module (logprobs.bin, float64; computed before torchvision's
weights are loaded into it). Prints one JSON list."""
import importlib.util
import json
import os
import sys

import torch
import torchvision

results = []
for i, case in enumerate(json.load(open(sys.argv[1]))):
    spec = importlib.util.spec_from_file_location(f"case_model_{i}", os.path.join(case["dir"], "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    net = mod.build_model(os.path.join(case["dir"], "weights.safetensors") if case["logprobs"] else None)
    r = {"params": mod.trainable_params(net), "keys": list(net.state_dict().keys())}
    if case["logprobs"]:
        raw = open(os.path.join(case["dir"], "input.bin"), "rb").read()
        x = torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(1, *mod.INPUT_SHAPE)
        with torch.no_grad():
            y = torch.log_softmax(net(x).double(), dim=1)
        y.numpy().tofile(os.path.join(case["dir"], "logprobs.bin"))
    if case.get("torchvision"):
        tv = getattr(torchvision.models, case["torchvision"])()
        net.load_state_dict(tv.state_dict(), strict=True)
        tv.load_state_dict(net.state_dict(), strict=True)
        r["torchvision"] = case["torchvision"]
    results.append(r)
print(json.dumps(results))
