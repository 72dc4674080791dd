// The Python helper classes model.py defines when its network needs them: option A shortcuts and
// window layers whose padding PyTorch's own layers cannot express (uneven sides, or more than half
// the window). PadConv2d subclasses nn.Conv2d so its parameters keep the names `weight`/`bias`.
import type { Helper } from "./modules.js";

const SOURCES: Record<Helper, string> = {
  ShortcutA: `class ShortcutA(nn.Module):
    """Option A shortcut (He et al. 2015): x[:, :, ::s, ::s] with zero channels appended; no parameters."""

    def __init__(self, stride: int, pad_channels: int) -> None:
        super().__init__()
        self.stride = stride
        self.pad_channels = pad_channels

    def forward(self, x: Tensor) -> Tensor:
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.pad_channels > 0:
            x = F.pad(x, (0, 0, 0, 0, 0, self.pad_channels))
        return x

    def extra_repr(self) -> str:
        return f"stride={self.stride}, pad_channels={self.pad_channels}"`,
  PadConv2d: `class PadConv2d(nn.Conv2d):
    """nn.Conv2d after zero padding (left, right, top, bottom): uneven sides, as TensorFlow's 'same'."""

    def __init__(self, *args, pads: Tuple[int, int, int, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pads = pads

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(F.pad(x, self.pads))`,
  PadMaxPool2d: `class PadMaxPool2d(nn.Module):
    """Max pooling after padding (left, right, top, bottom) with cells that never win (-inf)."""

    def __init__(self, kernel_size, stride: int, pads: Tuple[int, int, int, int]) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.pads = kernel_size, stride, pads

    def forward(self, x: Tensor) -> Tensor:
        x = F.pad(x, self.pads, value=float("-inf"))
        return F.max_pool2d(x, self.kernel_size, self.stride)`,
  PadAvgPool2d: `class PadAvgPool2d(nn.Module):
    """Average pooling after zero padding (left, right, top, bottom); with count_pad=False the
    padded cells are left out of each window's divisor (TensorFlow's 'same')."""

    def __init__(self, kernel_size, stride: int, pads: Tuple[int, int, int, int], count_pad: bool) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.pads, self.count_pad = kernel_size, stride, pads, count_pad

    def forward(self, x: Tensor) -> Tensor:
        y = F.avg_pool2d(F.pad(x, self.pads), self.kernel_size, self.stride)
        if self.count_pad:
            return y
        ones = F.pad(torch.ones_like(x[:1, :1]), self.pads)
        return y / F.avg_pool2d(ones, self.kernel_size, self.stride)`,
  SqueezeExcite: `class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation (Hu et al. 2018) as timm's SEModule: global average pool, 1x1 conv to
    \`hidden\` with bias, ReLU, 1x1 conv back with bias, sigmoid, channel-wise scale."""

    def __init__(self, channels: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        s = self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(s)`,
  DropPath: `class DropPath(nn.Module):
    """Stochastic depth (Huang et al. 2016) as resnetc defines it: in training each example's branch
    is kept whole with probability 1 - rate, else zeroed; in evaluation it is scaled by 1 - rate."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, x: Tensor) -> Tensor:
        if not self.training:
            return x * (1.0 - self.rate)
        keep = torch.rand(x.shape[0], *([1] * (x.dim() - 1)), device=x.device) >= self.rate
        return x * keep.to(x.dtype)

    def extra_repr(self) -> str:
        return f"rate={self.rate}"`,
};

const ORDER: Helper[] = [
  "ShortcutA",
  "PadConv2d",
  "PadMaxPool2d",
  "PadAvgPool2d",
  "SqueezeExcite",
  "DropPath",
];

/** The helper classes' sources, in a fixed order. */
export function helperSources(used: ReadonlySet<Helper>): string[] {
  return ORDER.filter((h) => used.has(h)).map((h) => SOURCES[h]);
}
