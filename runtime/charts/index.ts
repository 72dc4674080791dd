// Charts of training runs (compare, plot): data from metrics.jsonl, SVG, PNG.
export {
  type RunSeries,
  type FinalErrors,
  runSeries,
  finalErrors,
  finalErrorsMarkdown,
} from "./series.js";
export {
  type ChartOptions,
  PALETTE,
  errorChartSvg,
  escapeXml,
  niceTicks,
  epochTicks,
} from "./svg.js";
export {
  ChartDataError,
  type RunDir,
  findRunDirs,
  parseMetrics,
  readRunMetrics,
  readRuns,
  runLabel,
} from "./runs.js";
export { svgToPng } from "./png.js";
