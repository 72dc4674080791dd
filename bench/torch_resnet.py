"""PyTorch reference for `npm run bench`: the same nets as the resnetc examples, on the CPU.

ResNet-20 (CIFAR, option A, 32x32) train and inference images/s, ResNet-50 (v1, 224x224)
inference images/s. Prints one JSON object. Usage: python3 bench/torch_resnet.py THREADS STEPS
With a third argument BATCH (bench/train-r50.ts): only ResNet-50 training images/s at that batch
(SGD momentum, weight decay, cross-entropy, 224x224), as resnet50_train_img_s.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicA(nn.Module):
    def __init__(self, cin, c, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(c)
        self.stride, self.pad = stride, c - cin

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        s = x[:, :, :: self.stride, :: self.stride]
        if self.pad:
            s = F.pad(s, (0, 0, 0, 0, 0, self.pad))
        return F.relu(y + s)


class Cifar(nn.Module):
    def __init__(self, n=3):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for c, s in [(16, 1), (32, 2), (64, 2)]:
            for i in range(n):
                layers.append(BasicA(cin, c, s if i == 0 else 1))
                cin = c
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layers(F.relu(self.bn(self.conv(x))))
        return self.fc(x.mean((2, 3)))


class Bottleneck(nn.Module):
    def __init__(self, cin, c, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c)
        self.c3, self.b3 = nn.Conv2d(c, 4 * c, 1, bias=False), nn.BatchNorm2d(4 * c)
        self.proj = None
        if stride != 1 or cin != 4 * c:
            self.proj = nn.Sequential(nn.Conv2d(cin, 4 * c, 1, stride, bias=False), nn.BatchNorm2d(4 * c))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = F.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class ResNet50(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], 64
        for c, n, s in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for i in range(n):
                layers.append(Bottleneck(cin, c, s if i == 0 else 1))
                cin = 4 * c
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(2048, 1000)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


def rate(fn, batch, steps, rounds=3, warmup=3):
    """Best of `rounds` timed runs of `steps` calls, after 3 warm-up calls (oneDNN and the allocator
    settle over the first calls; one short run varied 720-960 img/s for the ResNet-20 step here)."""
    for _ in range(warmup):
        fn()
    best = 0.0
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(steps):
            fn()
        best = max(best, batch * steps / (time.perf_counter() - t))
    return best


def resnet50_train(batch, steps):
    torch.manual_seed(0)
    net = ResNet50()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x, y = torch.randn(batch, 3, 224, 224), torch.randint(0, 1000, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    return rate(step, batch, steps, rounds=1, warmup=1)  # a step takes seconds


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    torch.set_num_threads(threads)
    if len(sys.argv) > 3:
        batch = int(sys.argv[3])
        print(json.dumps({
            "torch": torch.__version__, "threads": threads, "resnet50_train_batch": batch,
            "resnet50_train_img_s": resnet50_train(batch, steps),
        }))
        return
    torch.manual_seed(0)
    net = Cifar()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    train20 = rate(step, 64, steps)
    net.eval()
    with torch.no_grad():
        infer20 = rate(lambda: net(x), 64, steps)
        r50 = ResNet50().eval()
        x50 = torch.randn(8, 3, 224, 224)
        infer50 = rate(lambda: r50(x50), 8, max(2, steps // 3), rounds=2)
    print(json.dumps({
        "torch": torch.__version__, "threads": threads,
        "resnet20_train_img_s": train20, "resnet20_infer_img_s": infer20, "resnet50_infer_img_s": infer50,
    }))


if __name__ == "__main__":
    main()
