// One IR node as a PyTorch module constructor (Python source), with the channel counts given as
// expressions so that block classes can say `planes * 4` where the top level says `256`. Padding
// comes from the IR's explicit per-side amounts: symmetric padding is the layer's own `padding`,
// anything else (TensorFlow's `same` at stride 2, `pad P` on one side) goes through the small
// Pad* helper classes of helpers.ts, which keep the parameter names of nn.Conv2d.
import { isZeroPads, type IrNode, type Pads } from "../../ir/types.js";

/** Helper classes a module expression needs (emitted into model.py only when used). */
export type Helper =
  "ShortcutA" | "PadConv2d" | "PadMaxPool2d" | "PadAvgPool2d" | "SqueezeExcite" | "DropPath";

export interface ModuleExpr {
  code: string;
  helper?: Helper;
}

/** Python's repr of a number as a literal (1e-05 style for small floats). */
export function pyNum(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const s = String(x);
  return s.includes("e") ? s.replace(/e-(\d)$/, "e-0$1") : s;
}

function pair([a, b]: readonly [number, number]): string {
  return a === b ? String(a) : `(${a}, ${b})`;
}

function symmetric(p: Pads): boolean {
  return p.top === p.bottom && p.left === p.right;
}

/** (left, right, top, bottom): F.pad's order for the last two dimensions. */
function padTuple(p: Pads): string {
  return `(${p.left}, ${p.right}, ${p.top}, ${p.bottom})`;
}

function kwargs(parts: (string | null)[]): string {
  return parts.filter((x) => x !== null).join(", ");
}

/**
 * The constructor of a single-input node's module. `cin` is the input channels (an expression),
 * `cout` a conv's filters (an expression), `stride` the stride (an expression, e.g. "stride").
 */
export function moduleExpr(
  n: IrNode,
  cin: string,
  cout: string,
  stride: string,
): ModuleExpr | null {
  switch (n.op) {
    case "conv": {
      const s = stride === "1" ? null : `stride=${stride}`;
      const bias = n.bias ? null : "bias=False";
      const k = pair(n.kernel);
      const d = (n.dilation ?? 1) === 1 ? null : `dilation=${n.dilation}`;
      const g = (n.groups ?? 1) === 1 ? null : `groups=${n.groups}`;
      if (symmetric(n.pad)) {
        const p = isZeroPads(n.pad) ? null : `padding=${pair([n.pad.top, n.pad.left])}`;
        return { code: `nn.Conv2d(${kwargs([cin, cout, k, s, p, d, g, bias])})` };
      }
      return {
        code: `PadConv2d(${kwargs([cin, cout, k, s, `pads=${padTuple(n.pad)}`, d, g, bias])})`,
        helper: "PadConv2d",
      };
    }
    case "bn": {
      const dims = n.shape.length === 1 ? "1d" : "2d";
      const eps = n.epsilon === 1e-5 ? null : `eps=${pyNum(n.epsilon)}`;
      const mom = n.momentum === 0.1 ? null : `momentum=${pyNum(n.momentum)}`;
      return { code: `nn.BatchNorm${dims}(${kwargs([cin, eps, mom])})` };
    }
    case "relu":
      return { code: "nn.ReLU(inplace=True)" };
    case "maxpool":
    case "avgpool":
      return pool(n, stride);
    case "globalavg":
      return { code: "nn.AdaptiveAvgPool2d((1, 1))" };
    case "globalmax":
      return { code: "nn.AdaptiveMaxPool2d((1, 1))" };
    case "fc":
      return { code: `nn.Linear(${cin}, ${n.units})` };
    case "shortcutA":
      return { code: `ShortcutA(${n.stride}, ${n.padChannels})`, helper: "ShortcutA" };
    case "dropout":
      return { code: `nn.Dropout(${pyNum(n.rate)})` };
    case "se":
      return { code: `SqueezeExcite(${cin}, ${n.hidden})`, helper: "SqueezeExcite" };
    case "droppath":
      return { code: `DropPath(${pyNum(n.rate)})`, helper: "DropPath" };
    case "flatten":
    case "softmax":
    case "input":
    case "add":
      return null;
  }
}

function pool(n: IrNode & { op: "maxpool" | "avgpool" }, stride: string): ModuleExpr {
  const k = pair(n.pool);
  const s = `stride=${stride}`;
  const fits = symmetric(n.pad) && 2 * n.pad.top <= n.pool[0] && 2 * n.pad.left <= n.pool[1];
  if (n.op === "maxpool") {
    if (fits) {
      const p = isZeroPads(n.pad) ? null : `padding=${pair([n.pad.top, n.pad.left])}`;
      return { code: `nn.MaxPool2d(${kwargs([k, s, p])})` };
    }
    return { code: `PadMaxPool2d(${k}, ${s}, pads=${padTuple(n.pad)})`, helper: "PadMaxPool2d" };
  }
  if (fits) {
    const zero = isZeroPads(n.pad);
    const p = zero ? null : `padding=${pair([n.pad.top, n.pad.left])}`;
    const cip = n.countPad || zero ? null : "count_include_pad=False";
    return { code: `nn.AvgPool2d(${kwargs([k, s, p, cip])})` };
  }
  return {
    code: `PadAvgPool2d(${k}, ${s}, pads=${padTuple(n.pad)}, count_pad=${n.countPad ? "True" : "False"})`,
    helper: "PadAvgPool2d",
  };
}

/** The usual attribute name of an unweighted module (torchvision's where it has one). */
export function plainAttr(n: IrNode): string {
  switch (n.op) {
    case "globalavg":
      return "avgpool";
    case "globalmax":
      return "globalmaxpool";
    case "shortcutA":
      return "shortcut";
    default:
      return n.op;
  }
}
