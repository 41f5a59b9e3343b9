/**
 * From a results file's records to the comparison's numbers: per-schedule
 * summaries over seeds, paired comparisons of UBA with every baseline,
 * win/tie/loss counts and phi sensitivity.
 *
 * Conventions:
 * - a cell is one (suite, task, budget);
 * - a diverged run counts with its `chanceMetric` (a model that learned
 *   nothing), so divergence is penalised rather than dropped;
 * - "best peak" picks, per cell and schedule, the peak rate with the best
 *   mean over seeds (fair tuning: every schedule had the same grid);
 *   "shared peak" uses the one rate the suite names for all;
 * - differences are oriented so that positive means UBA is better.
 *
 * @module
 */
import type { RunRecord } from "../repro/types.ts";
import { BASELINES } from "../repro/suites.ts";
import {
  type PairedTTest,
  pairedTTest,
  type SignTest,
  signTest,
  summarize,
  type Summary,
} from "../stats/mod.ts";

/** One (suite, task, budget) of the comparison. */
export interface Cell {
  suite: string;
  task: string;
  budget: string;
  steps: number;
  metricName: string;
  higherIsBetter: boolean;
}

/** A schedule's result in one cell at one peak rate. */
export interface ScheduleResult {
  cell: Cell;
  schedule: string;
  peakLr: number;
  /** UBA's phi, for UBA schedules. */
  phi?: number;
  /** The metric per seed (chance level for diverged runs). */
  bySeed: Map<number, number>;
  /** Summary over seeds of the metric. */
  summary: Summary;
  /** Runs that diverged. */
  diverged: number;
}

/** Which peak rate a table uses per schedule. */
export type PeakChoice = "best" | "shared";

/** The metric of a record, or its chance level when it diverged. */
export function effectiveMetric(record: RunRecord): number {
  return record.diverged || record.metric === null
    ? record.chanceMetric
    : record.metric;
}

function cellKey(record: { suite: string; task: string; budget: string }) {
  return `${record.suite}\u0000${record.task}\u0000${record.budget}`;
}

/**
 * The order of schedules in tables: UBA at the guideline's phi, then the
 * baselines in their fixed order, then UBA's phi grid by phi, then others
 * by name.
 *
 * @param a A schedule label.
 * @param b Another.
 * @returns Negative when `a` comes first.
 */
export function compareSchedules(a: string, b: string): number {
  const rank = (label: string) => {
    if (label === "uba") return 0;
    const baseline = BASELINES.indexOf(label);
    if (baseline >= 0) return 1 + baseline;
    const phi = /^uba\(phi=([0-9.e+-]+)\)$/.exec(label);
    return phi ? 100 + Number(phi[1]) : 1e9;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Orders cells by suite, task, then budget length. */
function compareCells(a: Cell, b: Cell): number {
  return a.suite.localeCompare(b.suite) || a.task.localeCompare(b.task) ||
    a.steps - b.steps;
}

/**
 * Every schedule's result at every peak rate, per cell.
 *
 * @param records The finished runs.
 * @returns Results ordered by cell, then schedule, then peak rate.
 */
export function scheduleResults(
  records: readonly RunRecord[],
): ScheduleResult[] {
  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const key = `${
      cellKey(record)
    }\u0000${record.schedule}\u0000${record.peakLr}`;
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  const results: ScheduleResult[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const bySeed = new Map<number, number>();
    for (const record of group) {
      bySeed.set(record.seed, effectiveMetric(record));
    }
    results.push({
      cell: {
        suite: first.suite,
        task: first.task,
        budget: first.budget,
        steps: first.steps,
        metricName: first.metricName,
        higherIsBetter: first.higherIsBetter,
      },
      schedule: first.schedule,
      peakLr: first.peakLr,
      ...(first.phi === undefined ? {} : { phi: first.phi }),
      bySeed,
      summary: summarize([...bySeed.values()]),
      diverged: group.filter((record) => record.diverged).length,
    });
  }
  return results.sort((a, b) =>
    compareCells(a.cell, b.cell) || compareSchedules(a.schedule, b.schedule) ||
    a.peakLr - b.peakLr
  );
}

/** The cells present in the results, ordered. */
export function cells(results: readonly ScheduleResult[]): Cell[] {
  const unique = new Map<string, Cell>();
  for (const result of results) unique.set(cellKey(result.cell), result.cell);
  return [...unique.values()].sort(compareCells);
}

/** Whether `a` is a better mean than `b` for the cell's metric. */
function better(cell: Cell, a: number, b: number): boolean {
  return cell.higherIsBetter ? a > b : a < b;
}

/**
 * One result per (cell, schedule): at the best peak rate (best mean over
 * seeds, the lower rate on a tie) or at the shared one.
 *
 * @param results From {@linkcode scheduleResults}.
 * @param choice `"best"` or `"shared"`.
 * @param sharedPeaks The shared peak per suite, for `"shared"`.
 * @returns The chosen results, in the same order.
 */
export function choosePeaks(
  results: readonly ScheduleResult[],
  choice: PeakChoice,
  sharedPeaks: Readonly<Record<string, number>> = {},
): ScheduleResult[] {
  const chosen = new Map<string, ScheduleResult>();
  for (const result of results) {
    const key = `${cellKey(result.cell)}\u0000${result.schedule}`;
    const current = chosen.get(key);
    if (choice === "shared") {
      const shared = sharedPeaks[result.cell.suite];
      if (shared === undefined || result.peakLr === shared) {
        chosen.set(key, result);
      }
      continue;
    }
    if (
      current === undefined ||
      better(result.cell, result.summary.mean, current.summary.mean)
    ) {
      chosen.set(key, result);
    }
  }
  return results.filter((result) =>
    chosen.get(`${cellKey(result.cell)}\u0000${result.schedule}`) === result
  );
}

/** UBA against one baseline in one cell. */
export interface Comparison {
  cell: Cell;
  reference: ScheduleResult;
  baseline: ScheduleResult;
  /** Seeds both have. */
  seeds: number[];
  /** Mean over the shared seeds of (UBA better by), oriented. */
  meanAdvantage: number;
  /** Paired t-test on oriented differences; undefined with < 2 seeds. */
  tTest?: PairedTTest;
  /** Sign test on oriented differences. */
  sign: SignTest;
  /**
   * `"win"` / `"loss"` when the paired t-test rejects equal means at
   * `alpha` in UBA's / the baseline's favour, `"tie"` otherwise. With one
   * seed there is no test and the verdict is always `"tie"`.
   */
  verdict: "win" | "tie" | "loss";
}

/** Options of {@linkcode compareWithBaselines}. */
export interface CompareOptions {
  /** The schedule compared with all others. @default {"uba"} */
  reference?: string;
  /** Significance level of the verdicts. @default {0.05} */
  alpha?: number;
  /** Include UBA's phi-grid entries as baselines too. @default {false} */
  includePhiGrid?: boolean;
}

/**
 * Pairs the reference schedule (UBA at the guideline's phi) with every
 * other schedule of each cell over their common seeds.
 *
 * ```text
 * d_s = m_uba(s) - m_base(s)   (higher is better)
 * d_s = m_base(s) - m_uba(s)   (lower is better)
 * verdict = win  if p < alpha and mean(d) > 0
 *           loss if p < alpha and mean(d) < 0
 *           tie  otherwise
 * ```
 * with `p` the two-sided paired t-test p-value of `d`.
 *
 * @param chosen One result per (cell, schedule), see {@linkcode choosePeaks}.
 * @param options See {@linkcode CompareOptions}.
 * @returns One comparison per (cell, baseline), in cell order.
 */
export function compareWithBaselines(
  chosen: readonly ScheduleResult[],
  options: CompareOptions = {},
): Comparison[] {
  const reference = options.reference ?? "uba";
  const alpha = options.alpha ?? 0.05;
  const comparisons: Comparison[] = [];
  for (const cell of cells(chosen)) {
    const inCell = chosen.filter((r) => cellKey(r.cell) === cellKey(cell));
    const ours = inCell.find((r) => r.schedule === reference);
    if (ours === undefined) continue;
    for (const baseline of inCell) {
      if (baseline === ours) continue;
      if (!options.includePhiGrid && baseline.schedule.startsWith("uba(")) {
        continue;
      }
      const seeds = [...ours.bySeed.keys()]
        .filter((seed) => baseline.bySeed.has(seed)).sort((a, b) => a - b);
      if (seeds.length === 0) continue;
      const sign = cell.higherIsBetter ? 1 : -1;
      const a = seeds.map((s) => sign * ours.bySeed.get(s)!);
      const b = seeds.map((s) => sign * baseline.bySeed.get(s)!);
      const tTest = seeds.length >= 2 ? pairedTTest(a, b) : undefined;
      const meanAdvantage = a.reduce((sum, v, i) => sum + v - b[i], 0) /
        seeds.length;
      let verdict: Comparison["verdict"] = "tie";
      if (tTest !== undefined && tTest.pValue < alpha) {
        verdict = tTest.meanDifference > 0 ? "win" : "loss";
      }
      comparisons.push({
        cell,
        reference: ours,
        baseline,
        seeds,
        meanAdvantage,
        tTest,
        sign: signTest(a, b),
        verdict,
      });
    }
  }
  return comparisons;
}

/** Win/tie/loss counts of UBA in one suite and budget. */
export interface WinTieLoss {
  suite: string;
  budget: string;
  steps: number;
  wins: number;
  ties: number;
  losses: number;
  /** Seed-level counts over all baselines: UBA better, equal, worse. */
  seedWins: number;
  seedTies: number;
  seedLosses: number;
}

/**
 * Counts verdicts per suite and budget (over tasks and baselines), and the
 * seed-level signs behind them.
 *
 * @param comparisons From {@linkcode compareWithBaselines}.
 * @returns One row per (suite, budget), shortest budget first.
 */
export function winTieLoss(comparisons: readonly Comparison[]): WinTieLoss[] {
  const rows = new Map<string, WinTieLoss>();
  for (const comparison of comparisons) {
    const { suite, budget, steps } = comparison.cell;
    const key = `${suite}\u0000${budget}`;
    const row = rows.get(key) ?? {
      suite,
      budget,
      steps,
      wins: 0,
      ties: 0,
      losses: 0,
      seedWins: 0,
      seedTies: 0,
      seedLosses: 0,
    };
    if (comparison.verdict === "win") row.wins++;
    else if (comparison.verdict === "loss") row.losses++;
    else row.ties++;
    row.seedWins += comparison.sign.positives;
    row.seedLosses += comparison.sign.negatives;
    row.seedTies += comparison.sign.ties;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) =>
    a.suite.localeCompare(b.suite) || a.steps - b.steps
  );
}

/** UBA's phi in one cell: every phi tried at the shared peak. */
export interface PhiSensitivity {
  cell: Cell;
  /** Results by phi, ascending; cosine enters as phi = 2. */
  byPhi: { phi: number; source: string; result: ScheduleResult }[];
  /** The guideline's phi and its result. */
  guideline?: { phi: number; result: ScheduleResult };
  /** The phi with the best mean. */
  best: { phi: number; result: ScheduleResult };
  /**
   * Paired t-test of the guideline against the best phi (oriented:
   * positive means the guideline is better); undefined with < 2 seeds or
   * when the guideline is the best.
   */
  guidelineVsBest?: PairedTTest;
  /** |log2(guideline phi / best phi)|: how many doublings apart. */
  doublingsApart?: number;
}

/**
 * Phi sensitivity per cell, at the suite's shared peak: UBA's phi grid, the
 * guideline's phi and cosine (UBA with phi = 2).
 *
 * @param results From {@linkcode scheduleResults}.
 * @param sharedPeaks The shared peak per suite.
 * @returns One entry per cell that has UBA runs at the shared peak.
 */
export function phiSensitivity(
  results: readonly ScheduleResult[],
  sharedPeaks: Readonly<Record<string, number>>,
): PhiSensitivity[] {
  const out: PhiSensitivity[] = [];
  for (const cell of cells(results)) {
    const shared = sharedPeaks[cell.suite];
    const inCell = results.filter((r) =>
      cellKey(r.cell) === cellKey(cell) && r.peakLr === shared
    );
    const byPhi: PhiSensitivity["byPhi"] = [];
    for (const result of inCell) {
      if (result.schedule === "cosine") {
        byPhi.push({ phi: 2, source: "cosine", result });
      } else if (
        result.schedule.startsWith("uba") && result.phi !== undefined
      ) {
        byPhi.push({
          phi: result.phi,
          source: result.schedule === "uba" ? "guideline" : "grid",
          result,
        });
      }
    }
    if (byPhi.length === 0) continue;
    byPhi.sort((a, b) => a.phi - b.phi);
    let best = byPhi[0];
    for (const entry of byPhi) {
      if (better(cell, entry.result.summary.mean, best.result.summary.mean)) {
        best = entry;
      }
    }
    const guidelineEntry = byPhi.find((entry) => entry.source === "guideline");
    const entry: PhiSensitivity = {
      cell,
      byPhi,
      best: { phi: best.phi, result: best.result },
    };
    if (guidelineEntry !== undefined) {
      entry.guideline = {
        phi: guidelineEntry.phi,
        result: guidelineEntry.result,
      };
      entry.doublingsApart = Math.abs(Math.log2(guidelineEntry.phi / best.phi));
      const seeds = [...guidelineEntry.result.bySeed.keys()]
        .filter((s) => best.result.bySeed.has(s));
      if (guidelineEntry !== best && seeds.length >= 2) {
        const sign = cell.higherIsBetter ? 1 : -1;
        entry.guidelineVsBest = pairedTTest(
          seeds.map((s) => sign * guidelineEntry.result.bySeed.get(s)!),
          seeds.map((s) => sign * best.result.bySeed.get(s)!),
        );
      }
    }
    out.push(entry);
  }
  return out;
}
