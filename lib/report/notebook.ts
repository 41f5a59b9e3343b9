/**
 * Small pieces for notebooks: Markdown display, a description of a suite's
 * grid, perplexity tables and a plain-words summary of the verdicts.
 *
 * @module
 */
import { requireJupyterDisplay } from "../_jupyter.ts";
import { guidelinePhi, PLANS } from "../repro/suites.ts";
import type { ProfileName, RunRecord, SuiteName } from "../repro/types.ts";
import { summarize } from "../stats/mod.ts";
import {
  compareSchedules,
  type Comparison,
  type PhiSensitivity,
  type ScheduleResult,
} from "./analysis.ts";
import { formatNumber, formatSummary, markdownTable } from "./markdown.ts";

/**
 * Shows Markdown in the running Jupyter notebook (Deno kernel).
 *
 * @param text Markdown.
 * @throws {Error} If called outside the Deno Jupyter kernel.
 */
export async function showMarkdown(text: string): Promise<void> {
  const show = requireJupyterDisplay("show Markdown");
  await show({ "text/markdown": text, "text/plain": text }, { raw: true });
}

/**
 * A table describing what a suite runs at a profile: task, model,
 * optimizer, budgets with the guideline's phi, peaks, phi grid, seeds and
 * the number of runs.
 *
 * @param suite The suite.
 * @param profile The profile.
 * @param runs The number of runs of the grid.
 * @returns Markdown.
 */
export function planMarkdown(
  suite: SuiteName,
  profile: ProfileName,
  runs: number,
): string {
  const plan = PLANS[suite][profile];
  const base: {
    model?: unknown;
    optimizer?: unknown;
    batchSize?: number;
    dimension?: number;
    mu?: number;
    L?: number;
    noise?: number;
  } = plan.tasks[0].base;
  const model = JSON.stringify(
    base.model ?? {
      dimension: base.dimension,
      mu: base.mu,
      L: base.L,
      noise: base.noise,
    },
  );
  const budgets = Object.entries(plan.budgets).map(([name, steps]) =>
    `${name}: ${steps} steps (guideline phi ${
      guidelinePhi(suite, profile, steps).phi
    })`
  ).join("; ");
  const guide = plan.guideline;
  const model2 = guide.kappa !== undefined
    ? `assumed kappa ${guide.kappa}, noise ${guide.noise}`
    : `true mu ${guide.mu}, L ${guide.L}, noise variance ${guide.noise}`;
  return markdownTable(["setting", "value"], [
    ["tasks", plan.tasks.map((t) => t.task).join(", ")],
    ["model", model],
    ["optimizer", JSON.stringify(base.optimizer ?? { name: "sgd" })],
    ["batch size", String(base.batchSize ?? "full gradient + noise")],
    ["budgets", budgets],
    ["guideline model", model2],
    ["peak rates (every schedule)", plan.peakLrs.join(", ")],
    ["shared peak", String(plan.sharedPeakLr)],
    ["phi grid (at the shared peak)", plan.phiGrid.join(", ")],
    ["warmup", `${plan.warmupFraction * 100}% of the budget`],
    ["seeds", String(plan.seeds)],
    ["runs", String(runs)],
  ]);
}

/**
 * Final validation perplexity per schedule and budget (language runs), at
 * the peaks of `chosen`.
 *
 * @param records The finished runs.
 * @param chosen One result per (cell, schedule).
 * @returns Markdown.
 */
export function perplexityMarkdown(
  records: readonly RunRecord[],
  chosen: readonly ScheduleResult[],
): string {
  const budgets = [...new Set(chosen.map((r) => r.cell.budget))];
  const schedules = [...new Set(chosen.map((r) => r.schedule))]
    .sort(compareSchedules);
  const rows = schedules.map((schedule) => [
    schedule,
    ...budgets.map((budget) => {
      const pick = chosen.find((r) =>
        r.schedule === schedule && r.cell.budget === budget
      );
      const values = records.filter((r) =>
        r.schedule === schedule && r.budget === budget &&
        r.peakLr === pick?.peakLr && typeof r.perplexity === "number"
      ).map((r) => r.perplexity as number);
      return values.length === 0 ? "n/a" : formatSummary(summarize(values));
    }),
  ]);
  return markdownTable(["schedule", ...budgets], rows);
}

/**
 * The verdicts in plain words: counts, then the largest advantage and the
 * largest deficit of UBA with their intervals.
 *
 * @param comparisons From `compareWithBaselines`.
 * @param label What the comparisons are, e.g. "at each schedule's best peak".
 * @returns Markdown.
 */
export function verdictSummary(
  comparisons: readonly Comparison[],
  label: string,
): string {
  if (comparisons.length === 0) return `No comparisons ${label}.`;
  const count = (v: string) =>
    comparisons.filter((c) => c.verdict === v).length;
  const tested = comparisons.some((c) => c.tTest !== undefined);
  const sorted = [...comparisons].sort((a, b) =>
    b.meanAdvantage - a.meanAdvantage
  );
  const describe = (c: Comparison) =>
    `${c.baseline.schedule} on ${c.cell.task} ${c.cell.budget} (${
      formatNumber(c.meanAdvantage)
    } ${c.cell.metricName}${
      c.tTest === undefined
        ? ""
        : `, 95% CI [${formatNumber(c.tTest.low)}, ${
          formatNumber(c.tTest.high)
        }], p ${c.tTest.pValue.toPrecision(2)}`
    })`;
  const head = tested
    ? `${label}: UBA at the guideline's phi wins ${count("win")}, ties ${
      count("tie")
    } and loses ${count("loss")} of ${comparisons.length} comparisons ` +
      `(paired t-test over seeds, 5%).`
    : `${label}: one seed only, so no test; UBA is ahead in ${
      comparisons.filter((c) => c.meanAdvantage > 0).length
    } of ${comparisons.length} comparisons.`;
  return `${head} Largest advantage: ${describe(sorted[0])}. ` +
    `Largest deficit: ${describe(sorted[sorted.length - 1])}.`;
}

/**
 * The phi sensitivity in plain words: in how many cells the guideline's
 * phi is the best one, within one doubling of it, or significantly worse.
 *
 * @param entries From `phiSensitivity`.
 * @returns Markdown.
 */
export function phiSummary(entries: readonly PhiSensitivity[]): string {
  const withGuideline = entries.filter((e) => e.guideline !== undefined);
  if (withGuideline.length === 0) return "No cell has a guideline run.";
  const best = withGuideline.filter((e) => e.guideline!.phi === e.best.phi);
  const near = withGuideline.filter((e) => (e.doublingsApart ?? 0) <= 1);
  const worse = withGuideline.filter((e) =>
    e.guidelineVsBest !== undefined && e.guidelineVsBest.pValue < 0.05 &&
    e.guidelineVsBest.meanDifference < 0
  );
  const tested = withGuideline.some((e) =>
    e.guideline!.result.bySeed.size >= 2
  );
  return `Of ${withGuideline.length} cells, the guideline's phi is the best ` +
    `phi tried in ${best.length} and within one doubling of it in ` +
    `${near.length}` +
    (tested
      ? `; it is significantly worse than the best phi (paired t-test, 5%) in ${worse.length}.`
      : "; with one seed there is no test of the gap.");
}
