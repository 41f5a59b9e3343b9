/**
 * Markdown tables of the comparison: schedules per budget, UBA against each
 * baseline with paired tests, win/tie/loss counts and phi sensitivity.
 *
 * @module
 */
import type { RunRecord } from "../repro/types.ts";
import { PLANS } from "../repro/suites.ts";
import type { Summary } from "../stats/mod.ts";
import {
  type Cell,
  cells,
  choosePeaks,
  compareSchedules,
  compareWithBaselines,
  type Comparison,
  type PhiSensitivity,
  phiSensitivity,
  type ScheduleResult,
  scheduleResults,
  type WinTieLoss,
  winTieLoss,
} from "./analysis.ts";

/**
 * A Markdown table.
 *
 * @param headers Column titles.
 * @param rows Cells, one array per row.
 * @returns The table, one line per row, with a trailing newline.
 *
 * @example
 * ```ts
 * import { markdownTable } from "./markdown.ts";
 *
 * const table = markdownTable(["a", "b"], [["1", "2"]]);
 * if (table !== "| a | b |\n|---|---|\n| 1 | 2 |\n") throw new Error(table);
 * ```
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |\n`;
  return line(headers) + `|${headers.map(() => "---").join("|")}|\n` +
    rows.map(line).join("");
}

/**
 * A number with four significant digits, or exponent notation far from 1.
 *
 * @param value The number.
 * @returns Its text; `"n/a"` for NaN.
 */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "n/a";
  if (value === 0) return "0";
  const size = Math.abs(value);
  return size < 1e-3 || size >= 1e5
    ? value.toExponential(2)
    : value.toPrecision(4);
}

/**
 * `mean ± half-width` of a summary (the 95% interval), or the mean alone
 * for one seed.
 *
 * @param summary The summary over seeds.
 * @returns The text.
 */
export function formatSummary(summary: Summary): string {
  return Number.isNaN(summary.halfWidth)
    ? formatNumber(summary.mean)
    : `${formatNumber(summary.mean)} ± ${formatNumber(summary.halfWidth)}`;
}

/** A p-value with two significant digits. */
function formatP(p: number): string {
  return p < 1e-4 ? "<1e-4" : p.toPrecision(2);
}

/**
 * The shared peak of each suite, from the profile of its records.
 *
 * @param records The finished runs.
 * @returns Suite name to shared peak rate.
 */
export function sharedPeaksOf(
  records: readonly RunRecord[],
): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const record of records) {
    peaks[record.suite] ??= PLANS[record.suite][record.profile].sharedPeakLr;
  }
  return peaks;
}

function cellTitle(cell: Cell): string {
  const direction = cell.higherIsBetter ? "higher" : "lower";
  return `${cell.suite} / ${cell.task} (${cell.metricName}, ${direction} is better)`;
}

/**
 * One table per (suite, task): schedules in rows, budgets in columns, each
 * entry the mean ± 95% half-width over seeds and the peak rate used.
 *
 * @param chosen One result per (cell, schedule), see `choosePeaks`.
 * @returns Markdown.
 */
export function scheduleTableMarkdown(
  chosen: readonly ScheduleResult[],
): string {
  const groups = new Map<string, ScheduleResult[]>();
  for (const result of chosen) {
    const key = `${result.cell.suite} / ${result.cell.task}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  let text = "";
  for (const group of groups.values()) {
    const budgets = cells(group);
    const schedules = [...new Set(group.map((r) => r.schedule))]
      .sort(compareSchedules);
    const best = new Map<string, number>();
    for (const cell of budgets) {
      const means = group.filter((r) => r.cell.budget === cell.budget)
        .map((r) => r.summary.mean);
      best.set(
        cell.budget,
        cell.higherIsBetter ? Math.max(...means) : Math.min(...means),
      );
    }
    text += `**${cellTitle(budgets[0]).replace(/^.*? \/ /, "")}**\n\n`;
    const rows = schedules.map((schedule) => [
      schedule,
      ...budgets.map((cell) => {
        const result = group.find((r) =>
          r.schedule === schedule && r.cell.budget === cell.budget
        );
        if (result === undefined) return "";
        const mark = result.summary.mean === best.get(cell.budget) ? "**" : "";
        const diverged = result.diverged > 0
          ? ` (${result.diverged} diverged)`
          : "";
        return `${mark}${
          formatSummary(result.summary)
        }${mark} @${result.peakLr}${diverged}`;
      }),
    ]);
    text += markdownTable(
      ["schedule", ...budgets.map((c) => `${c.budget} (${c.steps} steps)`)],
      rows,
    ) + "\n";
  }
  return text;
}

/**
 * UBA against each baseline per cell: the mean advantage with its 95%
 * interval, the paired t-test, the sign test and the verdict.
 *
 * @param comparisons From `compareWithBaselines`.
 * @returns Markdown.
 */
export function comparisonMarkdown(comparisons: readonly Comparison[]): string {
  const rows = comparisons.map((c) => [
    `${c.cell.task} ${c.cell.budget}`,
    c.baseline.schedule,
    `${formatSummary(c.reference.summary)} @${c.reference.peakLr}`,
    `${formatSummary(c.baseline.summary)} @${c.baseline.peakLr}`,
    c.tTest === undefined
      ? formatNumber(c.meanAdvantage)
      : `${formatNumber(c.meanAdvantage)} [${formatNumber(c.tTest.low)}, ${
        formatNumber(c.tTest.high)
      }]`,
    c.tTest === undefined ? "n/a" : formatP(c.tTest.pValue),
    `${c.sign.positives}/${c.sign.ties}/${c.sign.negatives} (p ${
      formatP(c.sign.pValue)
    })`,
    c.tTest === undefined ? "untested (1 seed)" : c.verdict,
  ]);
  return markdownTable(
    [
      "cell",
      "baseline",
      "UBA",
      "baseline",
      "UBA advantage [95% CI]",
      "t-test p",
      "seeds W/T/L (sign p)",
      "verdict",
    ],
    rows,
  );
}

/**
 * Win/tie/loss counts of UBA per suite and budget.
 *
 * @param rows From `winTieLoss`.
 * @returns Markdown.
 */
export function winTieLossMarkdown(rows: readonly WinTieLoss[]): string {
  return markdownTable(
    ["suite", "budget", "wins", "ties", "losses", "seed-level W/T/L"],
    rows.map((r) => [
      r.suite,
      `${r.budget} (${r.steps})`,
      String(r.wins),
      String(r.ties),
      String(r.losses),
      `${r.seedWins}/${r.seedTies}/${r.seedLosses}`,
    ]),
  );
}

/**
 * Phi sensitivity per cell: the metric for every phi at the shared peak,
 * the guideline's phi and the best one.
 *
 * @param entries From `phiSensitivity`.
 * @returns Markdown.
 */
export function phiMarkdown(entries: readonly PhiSensitivity[]): string {
  const rows = entries.map((e) => [
    `${e.cell.task} ${e.cell.budget}`,
    e.byPhi.map((p) =>
      `${p.phi}${p.source === "guideline" ? "*" : ""}: ${
        formatSummary(p.result.summary)
      }`
    ).join("; "),
    e.guideline === undefined ? "n/a" : String(e.guideline.phi),
    String(e.best.phi),
    e.doublingsApart === undefined ? "n/a" : e.doublingsApart.toFixed(1),
    e.guidelineVsBest === undefined
      ? (e.guideline?.phi === e.best.phi ? "is best" : "n/a")
      : `${formatNumber(e.guidelineVsBest.meanDifference)} (p ${
        formatP(e.guidelineVsBest.pValue)
      })`,
  ]);
  return markdownTable(
    [
      "cell",
      "metric by phi (* guideline; 2 = cosine)",
      "guideline phi",
      "best phi",
      "doublings apart",
      "guideline - best (p)",
    ],
    rows,
  );
}

/**
 * The whole report of a results file, as Markdown.
 *
 * @param records The finished runs.
 * @param source Where they came from, for the heading.
 * @returns Markdown text.
 */
export function reportMarkdown(
  records: readonly RunRecord[],
  source = "results",
): string {
  if (records.length === 0) {
    return `# Reproduction report\n\nNo runs in ${source}.\n`;
  }
  const results = scheduleResults(records);
  const shared = sharedPeaksOf(records);
  const best = choosePeaks(results, "best");
  const atShared = choosePeaks(results, "shared", shared);
  const bestComparisons = compareWithBaselines(best);
  const sharedComparisons = compareWithBaselines(atShared);
  const commits = [
    ...new Set(records.map((r) => r.manifest.gitCommit.slice(0, 10))),
  ];
  const backends = [...new Set(records.map((r) => r.manifest.backend))];
  const profiles = [...new Set(records.map((r) => r.profile))];
  const hours = records.reduce((sum, r) => sum + r.wallMs, 0) / 3.6e6;
  const seeds = new Set(records.map((r) => r.seed)).size;
  const diverged = records.filter((r) => r.diverged).length;
  let text = `# Reproduction report\n\n` +
    `${records.length} runs from ${source}: profile ${profiles.join(", ")}, ` +
    `${seeds} seed(s), backend ${backends.join(", ")}, commit ${
      commits.join(", ")
    }, ${hours.toFixed(2)} h of training time in total, ${diverged} diverged ` +
    `(counted at chance level).\n\n` +
    `Entries are mean ± half-width of the 95% t interval over seeds, with ` +
    `the peak rate after @. Verdicts: paired t-test over seeds at 5%.\n\n`;
  text += `## Win/tie/loss of UBA (guideline phi) against the baselines\n\n`;
  text += `At each schedule's best peak:\n\n${
    winTieLossMarkdown(winTieLoss(bestComparisons))
  }\nAt the shared peak:\n\n${
    winTieLossMarkdown(winTieLoss(sharedComparisons))
  }\n`;
  text += `## Schedules at their best peak\n\n${scheduleTableMarkdown(best)}`;
  text += `## Schedules at the shared peak\n\n${
    scheduleTableMarkdown(atShared)
  }`;
  text += `## UBA against each baseline, best peaks\n\n${
    comparisonMarkdown(bestComparisons)
  }\n`;
  text += `## UBA against each baseline, shared peak\n\n${
    comparisonMarkdown(sharedComparisons)
  }\n`;
  text += `## Phi sensitivity at the shared peak\n\n${
    phiMarkdown(phiSensitivity(results, shared))
  }`;
  return text;
}
