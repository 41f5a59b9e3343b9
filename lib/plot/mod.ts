/**
 * Plotting for notebooks and reports: vega-lite specification builders,
 * rendering to SVG, and Jupyter display as a MIME bundle (vega-lite plus
 * SVG). Not imported by `lib/mod.ts`, since it depends on vega.
 *
 * @example Draw UBA for three values of phi
 * ```ts
 * import { uba } from "../mod.ts";
 * import { renderSvg, scheduleChart } from "./mod.ts";
 *
 * const curves = [0.5, 2, 8].map((phi) => uba({ peakLr: 1, phi, totalSteps: 500 }));
 * const svg = await renderSvg(scheduleChart(curves, { title: "UBA" }));
 * if (!svg.includes("UBA")) throw new Error("no title");
 * ```
 *
 * @module
 */

export {
  type ChartBundle,
  chartBundle,
  display,
  renderSvg,
  type TopLevelSpec,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
} from "./vega.ts";
export {
  type AxisOptions,
  lineChart,
  type LineChartOptions,
  scheduleChart,
  scheduleRows,
} from "./charts.ts";
