"""torchrun, for the PyTorch builds where `torchrun` itself fails before starting any process:
PyTorch 1.13 on Python 3.11 (Debian 12's python3-torch) stops with "AttributeError: 'NoneType'
object has no attribute 'get'", because its Std.from_str("0") returns None there. This applies the
fix of later PyTorch releases, then runs torchrun unchanged with the same arguments:

    python3 launch.py --nproc_per_node=2 train.py --data folder:DIR --out runs/a
"""
import re

from torch.distributed.elastic.multiprocessing import api
from torch.distributed.run import main

if api.Std.from_str("0") is None:

    def _from_str(cls, vm: str):
        if re.fullmatch(r"[0-3]", vm):
            return cls(int(vm))
        return {int(i): cls(int(v)) for i, v in (m.split(":") for m in vm.split(","))}

    api.Std.from_str = classmethod(_from_str)

if __name__ == "__main__":
    main()
