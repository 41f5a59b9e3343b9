/**
 * `deno task report [results.jsonl] [--out folder]`: turns a results file
 * into `report.md` plus vega-lite and SVG charts.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readResults } from "../repro/results_file.ts";
import { writeReport } from "../report/write_report.ts";

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log("usage: deno task report [results.jsonl] [--out folder]");
    return 0;
  }
  const path = positionals[0] ?? "results/cpu.jsonl";
  const { records, trailingBytes, duplicates } = await readResults(path);
  if (records.length === 0) {
    console.error(`report: no finished runs in ${path}`);
    return 1;
  }
  const outDir = values.out ?? path.replace(/\.jsonl$/, "") + "-report";
  const written = await writeReport(records, outDir, path);
  console.log(
    `report: ${records.length} runs from ${path}${
      trailingBytes > 0 ? ` (ignored an interrupted last line)` : ""
    }${duplicates > 0 ? ` (ignored ${duplicates} duplicate lines)` : ""}`,
  );
  for (const file of written) console.log(`wrote ${file}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
