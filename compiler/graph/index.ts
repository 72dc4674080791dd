// Diagrams of checked networks: the IR by stage and block, as DOT, mermaid or SVG.
export {
  type Diagram,
  type DiagramBlock,
  type DiagramEdge,
  type DiagramGroup,
  type DiagramNode,
  type DiagramOptions,
  type ShortcutKind,
  diagramOf,
  opText,
  unitText,
  units,
} from "./diagram.js";
export { toDot } from "./dot.js";
export { toMermaid } from "./mermaid.js";
export { toSvg } from "./svg.js";
