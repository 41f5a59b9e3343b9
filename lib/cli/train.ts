/**
 * `deno task train`: trains one configuration from the command line.
 *
 * With no options it trains a tiny ResNet on the embedded Fashion-MNIST
 * subset for 200 steps under the UBA schedule, offline. See `--help`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { trainRun } from "../train/run.ts";
import { jsonLines, terminalProgress } from "../train/progress.ts";
import type { RunConfig, TaskName } from "../train/types.ts";

const HELP = `Train one configuration for a fixed number of steps.

Usage: deno task train [options]

The run is the default below, then the JSON file of --config, then each
option given on the command line, in that order.

Run
  --config <file>           a JSON RunConfig (see lib/train/types.ts)
  --task <name>             fashion-mnist-mini | fashion-mnist | cifar10 |
                            cifar100 | tinyshakespeare   [fashion-mnist-mini]
  --model <preset>          resnet-tiny | resnet-small | resnet18-w16 |
                            resnet18 | resnet34 | olmo-tiny | olmo-small |
                            olmo-20m | olmo-60m | olmo-150m
                            [resnet-tiny; olmo-tiny for tinyshakespeare]
  --steps <n>               iteration budget                       [200]
  --batch-size <n>          examples or sequences per step         [32]
  --sequence-length <n>     characters per sequence (language)     [128]
  --seed <n>                seed of weights, data order, augmentation [0]
  --backend <name>          wasm | webgpu | cpu                    [wasm]

Optimizer and schedule
  --optimizer <name>        sgd | adam | adamw  [sgd; adamw for language]
  --momentum <x>            SGD momentum                           [0.9]
  --weight-decay <x>        weight decay                           [5e-4]
  --grad-clip <x>           clip the global gradient norm to x     [off]
  --schedule <name>         a schedule of lib/mod.ts: uba, cosine, linear,
                            constant, wsd, oneCycle, rex, ...      [uba]
  --peak-lr <x>             the schedule's peakLr (maxLr for oneCycle,
                            lr for constant)          [0.1; 3e-3 language]
  --phi <x>                 UBA's phi                              [4]
  --min-lr <x>              the schedule's minLr                   [0]
  --warmup-steps <n>        the schedule's warmupSteps             [0]

Evaluation, checkpoints, output
  --eval-every <n>          evaluate every n steps and at the end  [50]
  --eval-examples <n>       examples (sequences) per evaluation    [all]
  --eval-split <name>       validation | test                      [validation]
  --checkpoint-dir <dir>    write checkpoints there; resume from one
  --checkpoint-every <n>    checkpoint every n steps (and at the end)
  --data-dir <dir>          a folder holding the datasets [$UBA_DATA_DIR]
  --json                    JSON lines on stdout instead of the bar
  --result <file>           also write the RunResult as JSON to <file>
  -h, --help                show this help

Exit status: 0 done, 1 failure (data, checkpoint), 2 bad arguments,
3 diverged (NaN or infinite loss), 130 stopped by Ctrl-C (a later run with
the same --checkpoint-dir resumes).

Examples
  deno task train
  deno task train --schedule cosine --steps 500
  UBA_DATA_DIR=../shared/data deno task train --task tinyshakespeare \\
    --steps 300 --eval-examples 64
`;

const OPTIONS = {
  config: { type: "string" },
  task: { type: "string" },
  model: { type: "string" },
  steps: { type: "string" },
  "batch-size": { type: "string" },
  "sequence-length": { type: "string" },
  seed: { type: "string" },
  backend: { type: "string" },
  optimizer: { type: "string" },
  momentum: { type: "string" },
  "weight-decay": { type: "string" },
  "grad-clip": { type: "string" },
  schedule: { type: "string" },
  "peak-lr": { type: "string" },
  phi: { type: "string" },
  "min-lr": { type: "string" },
  "warmup-steps": { type: "string" },
  "eval-every": { type: "string" },
  "eval-examples": { type: "string" },
  "eval-split": { type: "string" },
  "checkpoint-dir": { type: "string" },
  "checkpoint-every": { type: "string" },
  "data-dir": { type: "string" },
  json: { type: "boolean" },
  result: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A command-line mistake: reported with the usage hint, exit status 2. */
class UsageError extends Error {}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(
      `Cannot read --${flag} as it must be a number: current value is ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

/** The default run of `deno task train`, for the task. */
function defaults(task: TaskName): RunConfig {
  const language = task === "tinyshakespeare";
  return {
    task,
    model: language
      ? { kind: "olmo", preset: "olmo-tiny" }
      : { kind: "resnet", preset: "resnet-tiny" },
    optimizer: language
      ? { name: "adamw", weightDecay: 0.1 }
      : { name: "sgd", momentum: 0.9, weightDecay: 5e-4 },
    schedule: {
      name: "uba",
      options: { peakLr: language ? 3e-3 : 0.1, phi: 4 },
    },
    steps: 200,
    batchSize: 32,
    evalEvery: 50,
    backend: "wasm",
    ...(language ? { gradClip: 1 } : {}),
  };
}

/** Builds the run from the parsed command line. */
async function buildConfig(
  values: Record<string, string | boolean | undefined>,
): Promise<RunConfig> {
  const text = (key: string) => values[key] as string | undefined;
  let fromFile: Partial<RunConfig> = {};
  if (text("config") !== undefined) {
    try {
      fromFile = JSON.parse(await Deno.readTextFile(text("config")!));
    } catch (error) {
      throw new UsageError(
        `Cannot read --config as it must be a readable JSON file: current value is ${
          JSON.stringify(text("config"))
        } (${(error as Error).message})`,
      );
    }
  }
  const task = (text("task") ?? fromFile.task ??
    "fashion-mnist-mini") as TaskName;
  const base = defaults(task);
  const config: RunConfig = {
    ...base,
    ...fromFile,
    task,
    schedule: {
      ...base.schedule,
      ...fromFile.schedule,
      options: { ...base.schedule.options, ...fromFile.schedule?.options },
    },
  };
  if (fromFile.schedule?.name !== undefined && fromFile.schedule.options) {
    config.schedule.options = { ...fromFile.schedule.options };
  }
  const preset = text("model");
  if (preset !== undefined) {
    config.model = preset.startsWith("olmo")
      ? { kind: "olmo", preset }
      : { kind: "resnet", preset };
  }
  const optimizer = text("optimizer");
  if (optimizer !== undefined) {
    config.optimizer = { name: optimizer as "sgd" };
  }
  const setNumber = <K extends keyof RunConfig>(key: K, flag: string) => {
    const value = number(flag, text(flag));
    if (value !== undefined) (config[key] as number) = value;
  };
  setNumber("steps", "steps");
  setNumber("batchSize", "batch-size");
  setNumber("sequenceLength", "sequence-length");
  setNumber("seed", "seed");
  setNumber("gradClip", "grad-clip");
  setNumber("evalEvery", "eval-every");
  setNumber("evalExamples", "eval-examples");
  setNumber("checkpointEvery", "checkpoint-every");
  if (text("backend") !== undefined) {
    config.backend = text("backend") as RunConfig["backend"];
  }
  if (text("eval-split") !== undefined) {
    config.evalSplit = text("eval-split") as "validation";
  }
  if (text("data-dir") !== undefined) config.dataDir = text("data-dir");
  const momentum = number("momentum", text("momentum"));
  if (momentum !== undefined) config.optimizer.momentum = momentum;
  const weightDecay = number("weight-decay", text("weight-decay"));
  if (weightDecay !== undefined) config.optimizer.weightDecay = weightDecay;

  const schedule = text("schedule");
  if (schedule !== undefined && schedule !== config.schedule.name) {
    const peakLr = config.schedule.options.peakLr;
    config.schedule = { name: schedule, options: {} };
    if (schedule !== "uba" && peakLr !== undefined) {
      config.schedule.options[rateName(schedule)] = peakLr;
    }
  }
  const peak = number("peak-lr", text("peak-lr"));
  if (peak !== undefined) {
    config.schedule.options[rateName(config.schedule.name)] = peak;
  }
  const scheduleNumbers: [string, string][] = [
    ["phi", "phi"],
    ["min-lr", "minLr"],
    ["warmup-steps", "warmupSteps"],
  ];
  for (const [flag, key] of scheduleNumbers) {
    const value = number(flag, text(flag));
    if (value !== undefined) config.schedule.options[key] = value;
  }
  return config;
}

/** The option that holds a schedule's largest rate. */
function rateName(schedule: string): string {
  if (schedule === "oneCycle") return "maxLr";
  if (schedule === "constant") return "lr";
  return "peakLr";
}

/** Runs the command; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  const encoder = new TextEncoder();
  const err = (text: string) => Deno.stderr.writeSync(encoder.encode(text));
  const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true }));
  } catch (error) {
    err(`${(error as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  let config: RunConfig;
  try {
    config = await buildConfig(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\nRun with --help for the options.\n`);
    return 2;
  }

  const json = values.json === true;
  const onProgress = json
    ? jsonLines((line) => out(`${line}\n`))
    : terminalProgress(err);
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  try {
    const checkpointDir = values["checkpoint-dir"] as string | undefined;
    const result = await trainRun(config, {
      onProgress,
      checkpointDir,
      signal: controller.signal,
    });
    if (values.result !== undefined) {
      await Deno.writeTextFile(
        values.result as string,
        JSON.stringify({ config, result }, null, 2) + "\n",
      );
    }
    if (json) {
      out(`${JSON.stringify({ type: "result", ...result })}\n`);
    } else {
      const metric = result.metricName === "accuracy"
        ? `accuracy ${result.finalMetric.toFixed(4)} (best ${
          result.bestMetric.toFixed(4)
        })`
        : `validation loss ${result.finalMetric.toFixed(4)} (best ${
          result.bestMetric.toFixed(4)
        }), perplexity ${result.finalPerplexity?.toFixed(2)}`;
      const status = result.diverged
        ? `diverged at step ${result.divergedAtStep}`
        : result.aborted
        ? "stopped early"
        : "done";
      out(
        `${status}: ${metric}, ${result.steps} steps, ${
          (result.wallMs / 1000).toFixed(1)
        } s, ${result.parameterCount} parameters on ${result.backend}\n`,
      );
    }
    return result.diverged ? 3 : result.aborted ? 130 : 0;
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      err(`${error.message}\nRun with --help for the options.\n`);
      return 2;
    }
    err(`${(error as Error).message}\n`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
