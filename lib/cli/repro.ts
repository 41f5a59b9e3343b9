/**
 * `deno task repro`: runs the comparison of UBA with the common schedules.
 *
 * ```sh
 * deno task repro --suite vision|language|quadratic|all \
 *   --profile smoke|cpu|paper [--backend cpu|wasm|webgpu] [--jobs N] \
 *   [--seeds N] [--out results/<profile>.jsonl] [--specs runs.json] [--dry-run]
 * ```
 *
 * `all` is vision and language. Finished runs are appended to `--out`, one
 * JSON line each; starting the same command again skips them and resumes
 * interrupted runs from their checkpoints. `--specs` runs an explicit JSON
 * array of run specs instead of a suite. `--dry-run` prints the grid and
 * exits.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runGrid, type RunnerEvent } from "../repro/runner.ts";
import { expandSuite, PROFILES, SUITES } from "../repro/suites.ts";
import type { ProfileName, RunSpec, SuiteName } from "../repro/types.ts";
import type { BackendName } from "../train/types.ts";
import { requireChoice, requireInteger } from "../_validate.ts";

const USAGE = `usage: deno task repro [--suite vision|language|quadratic|all]
  [--profile smoke|cpu|paper] [--backend cpu|wasm|webgpu] [--jobs N]
  [--seeds N] [--out FILE] [--specs FILE] [--dry-run]`;

function label(spec: RunSpec): string {
  return `${spec.suite}/${spec.task} ${spec.budget} seed ${spec.seed} ${spec.schedule} lr=${spec.peakLr}`;
}

function format(value: number | null | undefined): string {
  if (value === null || value === undefined) return "n/a";
  return Math.abs(value) >= 1e3 || Math.abs(value) < 1e-3
    ? value.toExponential(3)
    : value.toFixed(4);
}

function printEvent(event: RunnerEvent, started: number) {
  const elapsed = ((performance.now() - started) / 1000).toFixed(0);
  switch (event.type) {
    case "plan":
      console.log(
        `plan: ${event.total} runs, ${event.done} already done, ${
          event.total - event.done
        } to run${
          event.repairedBytes > 0
            ? ` (cut ${event.repairedBytes} bytes of an interrupted line)`
            : ""
        }`,
      );
      break;
    case "start":
      console.log(`[${elapsed}s] start ${label(event.spec)}`);
      break;
    case "progress":
      if (event.event.type === "eval") {
        const e = event.event;
        console.log(
          `[${elapsed}s]   ${
            label(event.spec)
          } step ${e.step}/${e.totalSteps}: ${e.metricName} ${
            format(e.metric)
          }, loss ${format(e.loss)}, ${e.msPerStep.toFixed(1)} ms/step`,
        );
      } else if (event.event.type === "diverged") {
        console.log(
          `[${elapsed}s]   ${
            label(event.spec)
          } diverged at step ${event.event.step}`,
        );
      }
      break;
    case "finish": {
      const r = event.record;
      const resumed = r.manifest.resumedFromStep > 0
        ? `, resumed from step ${r.manifest.resumedFromStep}`
        : "";
      console.log(
        `[${elapsed}s] done ${event.done}/${event.total} ${
          label(event.spec)
        }: ${r.metricName} ${format(r.metric)}${
          r.diverged ? " (diverged)" : ""
        } in ${(r.wallMs / 1000).toFixed(1)} s${resumed}`,
      );
      break;
    }
    case "fail":
      console.error(
        `[${elapsed}s] FAILED ${label(event.spec)}: ${event.message}`,
      );
      break;
  }
}

/**
 * Orders the runs of several suites seed by seed (all suites' seed 0, then
 * seed 1, ...), so that a sweep stopped early holds whole seeds of every
 * suite.
 */
function interleaveBySeed(grids: RunSpec[][]): RunSpec[] {
  const seeds = [...new Set(grids.flat().map((spec) => spec.seed))]
    .sort((a, b) => a - b);
  return seeds.flatMap((seed) =>
    grids.flatMap((grid) => grid.filter((spec) => spec.seed === seed))
  );
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      suite: { type: "string", default: "all" },
      profile: { type: "string", default: "cpu" },
      backend: { type: "string" },
      jobs: { type: "string" },
      seeds: { type: "string" },
      out: { type: "string" },
      specs: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const action = "run the reproduction";
  const profile = values.profile as ProfileName;
  requireChoice(action, "--profile", profile, PROFILES);
  const suites: SuiteName[] = values.suite === "all"
    ? ["vision", "language"]
    : [values.suite as SuiteName];
  requireChoice(action, "--suite", suites[0], SUITES);
  const backend = values.backend as BackendName | undefined;
  if (backend !== undefined) {
    requireChoice(action, "--backend", backend, ["cpu", "wasm", "webgpu"]);
  }
  const jobs = values.jobs === undefined
    ? navigator.hardwareConcurrency
    : Number(values.jobs);
  requireInteger(action, "--jobs", jobs, 1);
  const seeds = values.seeds === undefined ? undefined : Number(values.seeds);
  if (seeds !== undefined) requireInteger(action, "--seeds", seeds, 1);
  const out = values.out ?? `results/${profile}.jsonl`;

  const specs: RunSpec[] = values.specs !== undefined
    ? JSON.parse(await Deno.readTextFile(values.specs))
    : interleaveBySeed(
      suites.map((suite) => expandSuite(suite, profile, { backend, seeds })),
    );
  if (values["dry-run"]) {
    for (const spec of specs) console.log(`${spec.configHash} ${label(spec)}`);
    console.log(`${specs.length} runs`);
    return 0;
  }

  const directory = out.includes("/")
    ? out.slice(0, out.lastIndexOf("/"))
    : ".";
  await Deno.mkdir(directory, { recursive: true });
  console.log(
    `repro: ${
      values.specs ?? `${suites.join("+")} at profile ${profile}`
    }, ${jobs} workers, results in ${out}`,
  );
  const started = performance.now();
  const summary = await runGrid(specs, {
    out,
    jobs,
    onEvent: (event) => printEvent(event, started),
  });
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  console.log(
    `finished ${summary.finished}, skipped ${summary.skipped}, failed ${summary.failed.length}, aborted ${summary.aborted} of ${summary.total} runs in ${minutes} min`,
  );
  return summary.failed.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
