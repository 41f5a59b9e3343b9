/**
 * The worker process of the runner: trains one {@linkcode RunSpec} and
 * reports on stdout, one JSON object a line.
 *
 * Protocol. stdin: one line `{ "spec": RunSpec, "checkpointDir": string,
 * "git": { "commit": string, "dirty": boolean } }`, then nothing until the
 * runner ends. stdout: `{ "type": "progress", "event": ProgressEvent }` lines
 * (step events at most once a second), then one `{ "type": "record",
 * "record": RunRecord }`, or `{ "type": "aborted" }`, or `{ "type": "error",
 * "message": string }`.
 *
 * The worker stops (after the current step, keeping its checkpoint) when
 * its stdin closes or its parent process changes, so that killing the
 * runner never leaves an orphan writing the checkpoint a restarted runner
 * resumes from.
 *
 * @module
 */
import type { ProgressEvent, RunConfig, RunResult } from "../train/types.ts";
import type {
  QuadraticConfig,
  RunManifest,
  RunRecord,
  RunSpec,
} from "./types.ts";
import { quadraticChanceLoss, trainQuadratic } from "./quadratic.ts";

/** The first line a worker reads. */
export interface WorkerJob {
  spec: RunSpec;
  checkpointDir: string;
  git: { commit: string; dirty: boolean };
}

/** A line a worker writes. */
export type WorkerMessage =
  | { type: "progress"; event: ProgressEvent }
  | { type: "record"; record: RunRecord }
  | { type: "aborted" }
  | { type: "error"; message: string };

/** Classes of each vision task, for the chance-level accuracy. */
const CLASSES: Readonly<Record<string, number>> = {
  "fashion-mnist": 10,
  "fashion-mnist-mini": 10,
  cifar10: 10,
  cifar100: 100,
};

/**
 * The metric of a model that learned nothing: `1 / classes` for a vision
 * task, `ln(vocabulary)` (the loss of a uniform prediction) for a language
 * task, `1/2 sum lambda_i` for the quadratic.
 *
 * @param spec The run.
 * @param vocabularySize The language task's vocabulary size.
 * @returns The chance-level metric.
 */
export function chanceMetric(spec: RunSpec, vocabularySize = 65): number {
  if (spec.trainer === "quadratic") {
    return quadraticChanceLoss(spec.config as QuadraticConfig);
  }
  const classes = CLASSES[spec.task];
  return classes === undefined ? Math.log(vocabularySize) : 1 / classes;
}

/** A finite number, or null (JSON has no NaN). */
function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/**
 * Builds the line of the results file from a spec and its result.
 *
 * @param spec The run.
 * @param result What the trainer returned.
 * @param manifest Versions and machine facts.
 * @returns The record.
 */
export function makeRecord(
  spec: RunSpec,
  result: RunResult,
  manifest: RunManifest,
): RunRecord {
  return {
    suite: spec.suite,
    profile: spec.profile,
    task: spec.task,
    budget: spec.budget,
    steps: spec.config.steps,
    schedule: spec.schedule,
    family: spec.family,
    ...(spec.phi === undefined ? {} : { phi: spec.phi }),
    ...(spec.phiSource === undefined ? {} : { phiSource: spec.phiSource }),
    peakLr: spec.peakLr,
    seed: spec.seed,
    metric: result.diverged ? null : finiteOrNull(result.finalMetric),
    metricName: result.metricName,
    higherIsBetter: result.higherIsBetter,
    bestMetric: finiteOrNull(result.bestMetric),
    ...(result.finalPerplexity === undefined
      ? {}
      : { perplexity: finiteOrNull(result.finalPerplexity) }),
    chanceMetric: chanceMetric(spec),
    diverged: result.diverged,
    ...(result.divergedAtStep === undefined
      ? {}
      : { divergedAtStep: result.divergedAtStep }),
    configHash: spec.configHash,
    config: spec.config,
    wallMs: result.wallMs,
    curve: result.curve,
    manifest,
  };
}

async function adapterDescription(): Promise<string | undefined> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) return undefined;
  const info = adapter.info;
  return [info.vendor, info.architecture, info.device, info.description]
    .filter((part) => part !== "").join(" ");
}

/** Trains with lib/train, loaded only when a tfjs run asks for it. */
async function trainTfjs(
  config: RunConfig,
  options: Parameters<typeof trainQuadratic>[1],
): Promise<{ result: RunResult; tfjs: string }> {
  const trainModule = "../train/run.ts";
  const { trainRun } = await import(trainModule);
  const tf = await import("@tensorflow/tfjs-core");
  const result: RunResult = await trainRun(config, options);
  return { result, tfjs: tf.version_core };
}

/**
 * Runs one job: trains, and returns what the worker would print.
 *
 * @param job The spec, its checkpoint folder and the kit's git state.
 * @param signal Stops the run after the current step.
 * @param onProgress Receives the trainer's progress events.
 * @returns The record, or an aborted message.
 */
export async function runJob(
  job: WorkerJob,
  signal: AbortSignal,
  onProgress: (event: ProgressEvent) => void,
): Promise<WorkerMessage> {
  const { spec } = job;
  const startedAt = new Date().toISOString();
  const options = { onProgress, checkpointDir: job.checkpointDir, signal };
  let result: RunResult;
  let tfjs: string | undefined;
  if (spec.trainer === "quadratic") {
    result = await trainQuadratic(spec.config as QuadraticConfig, options);
  } else {
    ({ result, tfjs } = await trainTfjs(spec.config as RunConfig, options));
  }
  if (result.aborted) return { type: "aborted" };
  const manifest: RunManifest = {
    gitCommit: job.git.commit,
    gitDirty: job.git.dirty,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    ...(tfjs === undefined ? {} : { tfjs }),
    backend: result.backend,
    ...(result.backend === "webgpu"
      ? { adapter: await adapterDescription() }
      : {}),
    target: Deno.build.target,
    cpus: navigator.hardwareConcurrency,
    startedAt,
    finishedAt: new Date().toISOString(),
    resumedFromStep: result.resumedFromStep,
    parameterCount: result.parameterCount,
  };
  return { type: "record", record: makeRecord(spec, result, manifest) };
}

async function readFirstLine(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text.split("\n")[0];
}

async function main() {
  const encoder = new TextEncoder();
  const write = (message: WorkerMessage) => {
    const bytes = encoder.encode(JSON.stringify(message) + "\n");
    let written = 0;
    while (written < bytes.length) {
      written += Deno.stdout.writeSync(bytes.subarray(written));
    }
  };
  const reader = Deno.stdin.readable.getReader();
  const job: WorkerJob = JSON.parse(await readFirstLine(reader));

  // Stop when the runner goes away: stdin closes, or (checked on every
  // progress event, in case the trainer never yields) the parent changes.
  const controller = new AbortController();
  const parent = Deno.ppid;
  (async () => {
    while (!(await reader.read()).done) { /* the runner sends nothing more */ }
    controller.abort();
  })();

  let lastStepReport = 0;
  const onProgress = (event: ProgressEvent) => {
    if (Deno.ppid !== parent) controller.abort();
    if (event.type === "step") {
      const now = performance.now();
      if (now - lastStepReport < 1000 && event.step !== event.totalSteps) {
        return;
      }
      lastStepReport = now;
    }
    write({ type: "progress", event });
  };

  try {
    write(await runJob(job, controller.signal, onProgress));
  } catch (error) {
    const message = error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
    write({ type: "error", message });
    Deno.exit(1);
  }
  Deno.exit(0);
}

if (import.meta.main) await main();
