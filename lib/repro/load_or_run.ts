/**
 * What a notebook needs from a sweep: the records of one suite at one
 * profile, loaded from results files when they are all there, and run
 * (only the missing ones) otherwise.
 *
 * @module
 */
import { readResults } from "./results_file.ts";
import { runGrid, type RunGridSummary, type RunnerEvent } from "./runner.ts";
import { expandSuite, PROFILES } from "./suites.ts";
import type { ProfileName, RunRecord, SuiteName } from "./types.ts";
import { requireChoice } from "../_validate.ts";

/** Options of {@linkcode loadOrRun}. */
export interface LoadOrRunOptions {
  /**
   * Results files to read first, such as the committed copy of a finished
   * sweep; missing files are skipped.
   * @default {[]}
   */
  sources?: string[];
  /** The results file that missing runs are run into. */
  out: string;
  /** Worker processes. @default {navigator.hardwareConcurrency} */
  jobs?: number;
  /** Receives the runner's progress. */
  onEvent?: (event: RunnerEvent) => void;
  /**
   * When to run: `"missing"` runs every run not found; `"if-empty"` runs
   * only when none was found, and otherwise returns what there is (a sweep
   * still in progress, or one stopped early).
   * @default {"missing"}
   */
  run?: "missing" | "if-empty";
}

/** What {@linkcode loadOrRun} returns. */
export interface SuiteRecords {
  /** The records found, in grid order. */
  records: RunRecord[];
  /** Runs of the grid with no record (only with `run: "if-empty"`). */
  missing: number;
  /** Runs in the grid. */
  total: number;
  /** Runs found in the sources or in `out` before running. */
  loaded: number;
  /** What the runner did; undefined when nothing had to run. */
  ran?: RunGridSummary;
}

async function collect(paths: readonly string[]) {
  const byHash = new Map<string, RunRecord>();
  for (const path of paths) {
    for (const record of (await readResults(path)).records) {
      if (!byHash.has(record.configHash)) byHash.set(record.configHash, record);
    }
  }
  return byHash;
}

/**
 * The records of a suite's grid at a profile: read from `sources` and
 * `out`, running what is missing into `out` first (see `run`).
 *
 * @param suite The suite.
 * @param profile The profile.
 * @param options Where to look and where to run.
 * @returns The records and how they were obtained.
 * @throws {TypeError} If the suite or profile is unknown.
 * @throws {Error} If some runs failed (their messages are included).
 *
 * @example Load the quadratic smoke grid, running it the first time
 * ```ts ignore
 * import { loadOrRun } from "./load_or_run.ts";
 *
 * const { records } = await loadOrRun("quadratic", "smoke", {
 *   out: "results/smoke.jsonl",
 * });
 * ```
 */
export async function loadOrRun(
  suite: SuiteName,
  profile: ProfileName,
  options: LoadOrRunOptions,
): Promise<SuiteRecords> {
  requireChoice("load or run a suite", "profile", profile, PROFILES);
  const specs = expandSuite(suite, profile);
  const paths = [...(options.sources ?? []), options.out];
  let found = await collect(paths);
  const loaded = specs.filter((spec) => found.has(spec.configHash)).length;
  let ran: RunGridSummary | undefined;
  const policy = options.run ?? "missing";
  if (loaded < specs.length && (policy === "missing" || loaded === 0)) {
    const missing = specs.filter((spec) => !found.has(spec.configHash));
    ran = await runGrid(missing, {
      out: options.out,
      jobs: options.jobs,
      onEvent: options.onEvent,
    });
    if (ran.failed.length > 0) {
      throw new Error(
        `Cannot load suite ${suite} as ${ran.failed.length} run(s) failed: ${
          ran.failed.map((f) => f.message).join("; ")
        }`,
      );
    }
    found = await collect(paths);
  }
  const records = specs.flatMap((spec) => found.get(spec.configHash) ?? []);
  return {
    records,
    missing: specs.length - records.length,
    total: specs.length,
    loaded,
    ...(ran === undefined ? {} : { ran }),
  };
}
