/**
 * The report of a reproduction: tables (Markdown) and charts (vega-lite)
 * from the records of a results file.
 *
 * @example Tables from two hand-made records
 * ```ts
 * import { choosePeaks, scheduleResults, scheduleTableMarkdown } from "./mod.ts";
 * import type { RunRecord } from "../repro/types.ts";
 *
 * const record = (schedule: string, metric: number) => ({
 *   suite: "quadratic", profile: "smoke", task: "quadratic", budget: "short",
 *   steps: 100, schedule, family: schedule, peakLr: 1, seed: 0, metric,
 *   metricName: "validationLoss", higherIsBetter: false, bestMetric: metric,
 *   chanceMetric: 5, diverged: false, configHash: schedule, wallMs: 1,
 * }) as unknown as RunRecord;
 * const results = scheduleResults([record("uba", 0.02), record("cosine", 0.03)]);
 * const table = scheduleTableMarkdown(choosePeaks(results, "best"));
 * if (!table.includes("**0.02000**")) throw new Error(table);
 * ```
 *
 * @module
 */
export * from "./analysis.ts";
export * from "./markdown.ts";
export * from "./charts.ts";
export * from "./write_report.ts";
export * from "./notebook.ts";
