/**
 * Vega-lite charts of the comparison, built on lib/plot: evaluation curves,
 * final metric against budget, the learning-rate curves used, and phi
 * sensitivity.
 *
 * @module
 */
import { lineChart, scheduleRows, type TopLevelSpec } from "../plot/mod.ts";
import type { RunRecord } from "../repro/types.ts";
import { scheduleFromSpec } from "../repro/schedule_spec.ts";
import type { PhiSensitivity, ScheduleResult } from "./analysis.ts";

/** Which runs a chart draws. */
export interface ChartFilter {
  suite: string;
  task: string;
  /** Only this budget; all budgets (one facet each) when undefined. */
  budget?: string;
}

function selected(record: RunRecord, filter: ChartFilter): boolean {
  return record.suite === filter.suite && record.task === filter.task &&
    (filter.budget === undefined || record.budget === filter.budget) &&
    !record.schedule.startsWith("uba(");
}

/**
 * Adjusts a lib/plot line chart: ten well-separated colours, a log y axis
 * for losses, and facets with their own axes, ordered by budget length.
 */
function tune(
  spec: TopLevelSpec,
  options: { logY: boolean; facetOrder?: string[] },
): TopLevelSpec {
  // A deep copy as plain JSON: the fields set here are valid vega-lite, but
  // the union type of a specification has no handle on them.
  const tuned = JSON.parse(JSON.stringify(spec));
  const inner = "spec" in tuned ? tuned.spec : tuned;
  if (inner.encoding.color !== undefined) {
    inner.encoding.color.scale = { scheme: "tableau10" };
  }
  if (options.logY) inner.encoding.y.scale = { type: "log" };
  if ("facet" in tuned) {
    tuned.resolve = { scale: { x: "independent", y: "independent" } };
    if (options.facetOrder !== undefined) {
      tuned.facet.sort = options.facetOrder;
    }
  }
  return tuned;
}

/**
 * Mean evaluation curves over seeds, one line per schedule at the peak of
 * `chosen` (best or shared), one facet per budget.
 *
 * ```text
 * y(step) = mean over seeds of the metric evaluated at that step
 * ```
 *
 * @param records The finished runs.
 * @param chosen One result per (cell, schedule); its peak rate is drawn.
 * @param filter The suite, task and optionally one budget.
 * @returns A vega-lite specification.
 * @throws {TypeError} If no run matches.
 */
export function curveChart(
  records: readonly RunRecord[],
  chosen: readonly ScheduleResult[],
  filter: ChartFilter,
): TopLevelSpec {
  const key = (suite: string, task: string, budget: string, schedule: string) =>
    `${suite}|${task}|${budget}|${schedule}`;
  const peaks = new Map(
    chosen.map((r) => [
      key(r.cell.suite, r.cell.task, r.cell.budget, r.schedule),
      r.peakLr,
    ]),
  );
  const sums = new Map<string, { sum: number; count: number; row: object }>();
  let metricName = "metric";
  for (const record of records) {
    if (!selected(record, filter)) continue;
    const chosenPeak = peaks.get(
      key(record.suite, record.task, record.budget, record.schedule),
    );
    if (chosenPeak !== record.peakLr) {
      continue;
    }
    metricName = record.metricName;
    for (const point of record.curve) {
      if (!Number.isFinite(point.metric)) continue;
      const key = `${record.budget}|${record.schedule}|${point.step}`;
      const entry = sums.get(key) ?? {
        sum: 0,
        count: 0,
        row: {
          budget: `${record.budget} (${record.steps})`,
          schedule: record.schedule,
          step: point.step,
        },
      };
      entry.sum += point.metric;
      entry.count++;
      sums.set(key, entry);
    }
  }
  const data = [...sums.values()].map((entry) => ({
    ...entry.row,
    [metricName]: entry.sum / entry.count,
  }));
  const budgets = [
    ...new Set(
      records.filter((r) => selected(r, filter))
        .sort((a, b) => a.steps - b.steps)
        .map((r) => `${r.budget} (${r.steps})`),
    ),
  ];
  const spec = lineChart({
    data,
    x: { field: "step" },
    y: { field: metricName },
    series: "schedule",
    ...(filter.budget === undefined ? { facet: "budget" } : {}),
    title: `${filter.task}: ${metricName} during training (mean over seeds)`,
    width: 300,
    height: 220,
  });
  return tune(spec, {
    logY: metricName !== "accuracy",
    facetOrder: budgets,
  });
}

/**
 * Final metric against the budget, one line per schedule (each at the peak
 * of `chosen`), for one suite and task.
 *
 * @param chosen One result per (cell, schedule).
 * @param filter The suite and task.
 * @returns A vega-lite specification.
 * @throws {TypeError} If no result matches.
 */
export function budgetChart(
  chosen: readonly ScheduleResult[],
  filter: ChartFilter,
): TopLevelSpec {
  const rows = chosen
    .filter((r) =>
      r.cell.suite === filter.suite && r.cell.task === filter.task &&
      !r.schedule.startsWith("uba(")
    )
    .map((r) => ({
      steps: r.cell.steps,
      schedule: r.schedule,
      [r.cell.metricName]: r.summary.mean,
    }));
  const metricName = chosen.find((r) => r.cell.task === filter.task)?.cell
    .metricName ?? "metric";
  const spec = lineChart({
    data: rows,
    x: { field: "steps", title: "budget (steps)", log: true },
    y: { field: metricName },
    series: "schedule",
    title: `${filter.task}: final ${metricName} against budget`,
  });
  return tune(spec, { logY: metricName !== "accuracy" });
}

/**
 * The learning-rate curves the runs of one cell used, one line per
 * schedule, at one peak rate.
 *
 * @param records The finished runs.
 * @param filter The suite, task and budget (required).
 * @param peakLr The peak rate whose runs are drawn.
 * @returns A vega-lite specification.
 * @throws {TypeError} If no run matches.
 */
export function learningRateChart(
  records: readonly RunRecord[],
  filter: Required<ChartFilter>,
  peakLr: number,
): TopLevelSpec {
  const seen = new Map<string, RunRecord>();
  for (const record of records) {
    if (selected(record, filter) && record.peakLr === peakLr) {
      seen.set(record.schedule, record);
    }
  }
  const data = [...seen.values()].flatMap((record) => {
    const schedule = scheduleFromSpec(record.config.schedule, record.steps);
    return scheduleRows([schedule], record.steps, 200).map((row) => ({
      ...row,
      schedule: record.schedule,
    }));
  });
  const spec = lineChart({
    data,
    x: { field: "step" },
    y: { field: "lr", title: "learning rate" },
    series: "schedule",
    title: `${filter.task}, ${filter.budget}: learning rates at peak ${peakLr}`,
  });
  return tune(spec, { logY: false });
}

/**
 * Metric against phi (log scale) at the shared peak, one line per budget.
 *
 * @param entries From `phiSensitivity`, for one suite and task.
 * @returns A vega-lite specification.
 * @throws {TypeError} If there are no entries.
 */
export function phiChart(entries: readonly PhiSensitivity[]): TopLevelSpec {
  const metricName = entries[0]?.cell.metricName ?? "metric";
  const data = entries.flatMap((entry) =>
    entry.byPhi.map((p) => ({
      phi: p.phi,
      budget: `${entry.cell.budget} (${entry.cell.steps})`,
      [metricName]: p.result.summary.mean,
    }))
  );
  const spec = lineChart({
    data,
    x: { field: "phi", log: true },
    y: { field: metricName },
    series: "budget",
    title: `${entries[0]?.cell.task}: UBA's ${metricName} against phi`,
  });
  return tune(spec, { logY: metricName !== "accuracy" });
}
