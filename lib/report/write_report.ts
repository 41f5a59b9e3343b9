/**
 * Writes the report of a results file to a folder: `report.md` and, per
 * chart, its vega-lite specification (`.vl.json`) and an SVG rendering.
 *
 * @module
 */
import { renderSvg, type TopLevelSpec } from "../plot/mod.ts";
import type { RunRecord } from "../repro/types.ts";
import { choosePeaks, phiSensitivity, scheduleResults } from "./analysis.ts";
import {
  budgetChart,
  curveChart,
  learningRateChart,
  phiChart,
} from "./charts.ts";
import { reportMarkdown, sharedPeaksOf } from "./markdown.ts";

/**
 * Every chart of the report, by file name (without extension).
 *
 * @param records The finished runs.
 * @returns Chart name to vega-lite specification.
 */
export function reportCharts(
  records: readonly RunRecord[],
): Map<string, TopLevelSpec> {
  const charts = new Map<string, TopLevelSpec>();
  const results = scheduleResults(records);
  const shared = sharedPeaksOf(records);
  const best = choosePeaks(results, "best");
  const sensitivity = phiSensitivity(results, shared);
  const tasks = new Map<string, { suite: string; task: string }>();
  for (const r of records) tasks.set(`${r.suite}-${r.task}`, r);
  for (const [name, { suite, task }] of tasks) {
    charts.set(`${name}-curves`, curveChart(records, best, { suite, task }));
    charts.set(`${name}-budget`, budgetChart(best, { suite, task }));
    const longest = records.filter((r) => r.suite === suite && r.task === task)
      .reduce((a, b) => (b.steps > a.steps ? b : a));
    charts.set(
      `${name}-learning-rates`,
      learningRateChart(
        records,
        { suite, task, budget: longest.budget },
        shared[suite],
      ),
    );
    const entries = sensitivity.filter((e) =>
      e.cell.suite === suite && e.cell.task === task
    );
    if (entries.length > 0) charts.set(`${name}-phi`, phiChart(entries));
  }
  return charts;
}

/**
 * Writes `report.md`, `<chart>.vl.json` and `<chart>.svg` into `outDir`.
 *
 * @param records The finished runs.
 * @param outDir The folder, created when missing.
 * @param source Where the records came from, for the report's heading.
 * @returns The paths written.
 */
export async function writeReport(
  records: readonly RunRecord[],
  outDir: string,
  source = "results",
): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const charts = records.length === 0 ? new Map() : reportCharts(records);
  let markdown = reportMarkdown(records, source);
  if (charts.size > 0) {
    markdown += `\n## Charts\n\n`;
    for (const name of charts.keys()) markdown += `![${name}](${name}.svg)\n\n`;
  }
  await Deno.writeTextFile(`${outDir}/report.md`, markdown);
  written.push(`${outDir}/report.md`);
  for (const [name, spec] of charts) {
    await Deno.writeTextFile(
      `${outDir}/${name}.vl.json`,
      JSON.stringify(spec, null, 1),
    );
    await Deno.writeTextFile(`${outDir}/${name}.svg`, await renderSvg(spec));
    written.push(`${outDir}/${name}.vl.json`, `${outDir}/${name}.svg`);
  }
  return written;
}
