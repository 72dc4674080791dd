// Every diagnostic code, in one typed table: the compiler can raise only these (`error()` takes a
// Code), docs/diagnostics.md has a row for each and the specs assert each (codes-documented.spec).
// The stage says where a code is raised: lexing/parsing, loading, rules and expansion (names,
// numbers, options), shape inference.
export const CODES = {
  RN001: { stage: "syntax", title: "unexpected character or unterminated string" },
  RN002: { stage: "syntax", title: "syntax error" },
  RN003: { stage: "loading", title: "cannot read an imported file" },
  RN004: { stage: "loading", title: "import cycle" },
  RN010: { stage: "rules", title: "unknown model statement" },
  RN011: { stage: "rules", title: "model statement given twice" },
  RN012: { stage: "rules", title: "model or file incomplete" },
  RN101: { stage: "rules", title: "unknown block type" },
  RN102: { stage: "rules", title: "duplicate definition" },
  RN103: { stage: "rules", title: "unknown name in an expression" },
  RN104: { stage: "rules", title: "unknown layer" },
  RN105: { stage: "rules", title: "bad layer arguments or options" },
  RN106: { stage: "rules", title: "bad block arguments" },
  RN107: { stage: "rules", title: "unknown parent model" },
  RN108: { stage: "rules", title: "selection names nothing" },
  RN109: { stage: "rules", title: "unknown shortcut option" },
  RN110: { stage: "rules", title: "bad stages range or stage options" },
  RN111: { stage: "rules", title: "stages without a block type" },
  RN120: { stage: "rules", title: "not a positive whole number" },
  RN121: { stage: "rules", title: "division by zero" },
  RN122: { stage: "rules", title: "over a size limit" },
  RN130: { stage: "rules", title: "layer or label not allowed here" },
  RN140: { stage: "rules", title: "impossible training value" },
  RN141: { stage: "rules", title: "unknown training setting" },
  RN201: { stage: "shapes", title: "residual addition cannot match shapes" },
  RN202: { stage: "shapes", title: "feature map too small or not divisible" },
  RN203: { stage: "shapes", title: "map/vector mismatch" },
  RN204: { stage: "shapes", title: "option A cannot reduce channels" },
  RN205: { stage: "shapes", title: "stride for a block without a stride parameter" },
  RN206: { stage: "shapes", title: "head without a classifier" },
} as const;

export type Code = keyof typeof CODES;
