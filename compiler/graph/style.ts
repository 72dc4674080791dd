// Colours and words shared by the diagram renderers.
import type { ShortcutKind } from "./diagram.js";

export const SHORTCUT_COLOR: Record<ShortcutKind, string> = {
  identity: "#2b7bba",
  projection: "#d95f02",
  zeropad: "#1b9e77",
  none: "#999999",
};

export const GROUP_FILL = { stage: "#f3f6fb", layers: "#f7f7f7" } as const;
