/**
 * Runs a grid of {@linkcode RunSpec}s in parallel worker processes and
 * appends each finished run to a results file, so that a sweep can be
 * killed at any moment and started again without losing or repeating work.
 *
 * How that holds:
 * - a run counts as done only once its line is in the results file and
 *   flushed to disk; on start, runs whose `configHash` is in the file are
 *   skipped, and an interrupted last line is cut off;
 * - only this process writes the results file, one line at a time;
 * - each run checkpoints into its own folder, named by its hash, and a
 *   restarted run resumes from there; the folder goes once the line is
 *   written;
 * - workers stop when this process goes away (see worker.ts), so a
 *   restarted runner never shares a checkpoint with an orphan.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import type { ProgressEvent } from "../train/types.ts";
import { requireInteger } from "../_validate.ts";
import { appendResult, readResults, repairResults } from "./results_file.ts";
import type { RunRecord, RunSpec } from "./types.ts";
import type { WorkerJob, WorkerMessage } from "./worker.ts";

/** What {@linkcode runGrid} reports while it works. */
export type RunnerEvent =
  | {
    type: "plan";
    /** Distinct runs in the grid. */
    total: number;
    /** Runs already in the results file. */
    done: number;
    /** Bytes of an interrupted line cut off the results file. */
    repairedBytes: number;
  }
  | { type: "start"; spec: RunSpec; running: number }
  | { type: "progress"; spec: RunSpec; event: ProgressEvent }
  | {
    type: "finish";
    spec: RunSpec;
    record: RunRecord;
    done: number;
    total: number;
  }
  | { type: "fail"; spec: RunSpec; message: string };

/** Options of {@linkcode runGrid}. */
export interface RunGridOptions {
  /** The results file (JSON lines), created when missing. */
  out: string;
  /**
   * Worker processes at once.
   * @default {navigator.hardwareConcurrency}
   */
  jobs?: number;
  /**
   * Folder of the per-run checkpoint folders.
   * @default {`${out}.checkpoints`}
   */
  checkpointRoot?: string;
  /** Receives progress; called synchronously, in order. */
  onEvent?: (event: RunnerEvent) => void;
  /** Stops starting runs and asks running workers to stop. */
  signal?: AbortSignal;
  /**
   * Extra flags for `deno run` of the worker (V8 flags and the like).
   * @default {[]}
   */
  denoFlags?: string[];
}

/** What {@linkcode runGrid} did. */
export interface RunGridSummary {
  /** Distinct runs in the grid. */
  total: number;
  /** Runs that were already in the results file. */
  skipped: number;
  /** Runs finished and appended by this call. */
  finished: number;
  /** Runs whose worker failed, with the reason. */
  failed: { spec: RunSpec; message: string }[];
  /** Runs stopped by the signal (their checkpoints are kept). */
  aborted: number;
}

const WORKER = fromFileUrl(new URL("./worker.ts", import.meta.url));
const CONFIG = fromFileUrl(new URL("../../deno.json", import.meta.url));
const ROOT = fromFileUrl(new URL("../../", import.meta.url));

/**
 * The kit's git commit and whether its working tree has changes, or
 * `"unknown"` outside a git checkout.
 *
 * @returns The commit hash and the dirty flag.
 */
export async function gitState(): Promise<{ commit: string; dirty: boolean }> {
  const git = async (...args: string[]) => {
    const output = await new Deno.Command("git", {
      args,
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout) : null;
  };
  try {
    const commit = (await git("rev-parse", "HEAD"))?.trim();
    const status = await git("status", "--porcelain", "--untracked-files=no");
    return { commit: commit ?? "unknown", dirty: (status ?? "") !== "" };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

/** Splits a byte stream into text lines. */
async function* lines(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
    }
  }
  if (buffer !== "") yield buffer;
}

/** Keeps the last `limit` characters of a stream, for error messages. */
async function tail(stream: ReadableStream<Uint8Array>, limit = 2000) {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text = (text + decoder.decode(chunk, { stream: true })).slice(-limit);
  }
  return text;
}

/**
 * Runs every spec of the grid that is not yet in the results file, `jobs`
 * at a time, each in its own `deno run` worker process, and appends one
 * line per finished run.
 *
 * Specs with equal `configHash` run once. A run whose worker fails is
 * reported and not written, so the next call tries it again.
 *
 * @param specs The grid.
 * @param options See {@linkcode RunGridOptions}.
 * @returns What was skipped, finished, failed and aborted.
 * @throws {RangeError} If `jobs` is not a positive integer.
 * @throws {SyntaxError} If the results file holds a damaged complete line.
 *
 * @example Run a two-seed quadratic grid twice: the second call skips both
 * ```ts ignore
 * import { runGrid } from "./runner.ts";
 * import { expandSuite } from "./suites.ts";
 *
 * const specs = expandSuite("quadratic", "smoke");
 * await runGrid(specs, { out: "results/quadratic.jsonl", jobs: 2 });
 * const again = await runGrid(specs, { out: "results/quadratic.jsonl" });
 * if (again.skipped !== specs.length) throw new Error("ran twice");
 * ```
 */
export async function runGrid(
  specs: readonly RunSpec[],
  options: RunGridOptions,
): Promise<RunGridSummary> {
  const jobs = options.jobs ?? navigator.hardwareConcurrency;
  requireInteger("run a grid", "jobs", jobs, 1);
  const emit = options.onEvent ?? (() => {});
  // Absolute, since workers run in the kit's root, not in the caller's folder.
  const checkpointRoot = resolve(
    options.checkpointRoot ?? `${options.out}.checkpoints`,
  );

  // Cut an interrupted line, skip what is done, drop stale checkpoints.
  await Deno.mkdir(dirname(options.out), { recursive: true });
  const repairedBytes = await repairResults(options.out);
  const done = new Set(
    (await readResults(options.out)).records.map((record) => record.configHash),
  );
  const unique = new Map<string, RunSpec>();
  for (const spec of specs) {
    if (!unique.has(spec.configHash)) unique.set(spec.configHash, spec);
  }
  const total = unique.size;
  const pending = [...unique.values()].filter((s) => !done.has(s.configHash));
  const skipped = total - pending.length;
  for (const hash of done) {
    await Deno.remove(`${checkpointRoot}/${hash}`, { recursive: true }).catch(
      () => {},
    );
  }
  emit({ type: "plan", total, done: skipped, repairedBytes });

  const git = await gitState();
  const summary: RunGridSummary = {
    total,
    skipped,
    finished: 0,
    failed: [],
    aborted: 0,
  };
  let appending = Promise.resolve();
  let running = 0;
  let next = 0;

  const runOne = async (spec: RunSpec) => {
    const checkpointDir = `${checkpointRoot}/${spec.configHash}`;
    await Deno.mkdir(checkpointDir, { recursive: true });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--quiet",
        `--config=${CONFIG}`,
        ...(options.denoFlags ?? []),
        WORKER,
      ],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const job: WorkerJob = { spec, checkpointDir, git };
    const stdin = child.stdin.getWriter();
    await stdin.write(new TextEncoder().encode(JSON.stringify(job) + "\n"));
    const stopWorker = () => stdin.close().catch(() => {});
    options.signal?.addEventListener("abort", stopWorker, { once: true });
    const errors = tail(child.stderr);

    let outcome: WorkerMessage | undefined;
    for await (const line of lines(child.stdout)) {
      let message: WorkerMessage;
      try {
        message = JSON.parse(line);
      } catch {
        continue; // a stray line printed by a dependency
      }
      if (message.type === "progress") {
        emit({ type: "progress", spec, event: message.event });
      } else {
        outcome = message;
      }
    }
    const status = await child.status;
    options.signal?.removeEventListener("abort", stopWorker);
    await stopWorker();

    if (outcome?.type === "record") {
      // One append at a time; the run is done once its line is on disk.
      const record = outcome.record;
      appending = appending.then(() => appendResult(options.out, record));
      await appending;
      await Deno.remove(checkpointDir, { recursive: true }).catch(() => {});
      summary.finished++;
      emit({
        type: "finish",
        spec,
        record,
        done: skipped + summary.finished,
        total,
      });
    } else if (outcome?.type === "aborted" || options.signal?.aborted) {
      summary.aborted++;
    } else {
      const reason = outcome?.type === "error"
        ? outcome.message
        : `worker exited with code ${status.code}: ${(await errors).trim()}`;
      summary.failed.push({ spec, message: reason });
      emit({ type: "fail", spec, message: reason });
    }
  };

  const lane = async () => {
    while (next < pending.length && !options.signal?.aborted) {
      const spec = pending[next++];
      running++;
      emit({ type: "start", spec, running });
      try {
        await runOne(spec);
      } finally {
        running--;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(jobs, pending.length) }, lane),
  );
  return summary;
}
