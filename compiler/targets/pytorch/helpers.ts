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
};

const ORDER: Helper[] = ["ShortcutA", "PadConv2d", "PadMaxPool2d", "PadAvgPool2d"];

/** The helper classes' sources, in a fixed order. */
export function helperSources(used: ReadonlySet<Helper>): string[] {
  return ORDER.filter((h) => used.has(h)).map((h) => SOURCES[h]);
}
