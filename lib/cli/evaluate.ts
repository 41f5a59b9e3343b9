/**
 * `deno task evaluate`: measures an exported model with ONNX Runtime.
 *
 * ```sh
 * deno task evaluate <model.onnx> [--provider cpu|webgpu|cuda] [--no-fallback]
 *   [--config FILE] [--data-dir DIR] [--examples N] [--json]
 * ```
 *
 * The evaluation batches are the run's own (its task, split, batch size and
 * `evalExamples`), found from the config the exporter stored in the file or
 * from `--config`. Prints the loss and accuracy (vision) or perplexity
 * (language), next to what the training run reported when the file says.
 * A GPU provider that cannot start falls back to the CPU with a message,
 * unless `--no-fallback` is given.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { evaluateOnnxRun } from "../onnx/run.ts";
import { type Provider, PROVIDERS } from "../onnx/runtime.ts";
import type { RunConfig } from "../train/types.ts";
import { requireChoice, requireInteger } from "../_validate.ts";

const USAGE =
  `usage: deno task evaluate <model.onnx> [--provider cpu|webgpu|cuda]
  [--no-fallback] [--config FILE] [--data-dir DIR] [--examples N] [--json]

Evaluates an ONNX model exported by \`deno task export\` with onnxruntime-node
on the run's evaluation split.

  --provider P    execution provider: cpu (default), webgpu, cuda
  --no-fallback   fail instead of falling back to cpu when P cannot start
  --config FILE   the RunConfig as JSON, for a file without run metadata
  --data-dir DIR  where the datasets live (default: the config's, then
                  UBA_DATA_DIR)
  --examples N    evaluate on the first N examples (sequences) instead
  --json          print one JSON object instead of a line
  --help          print this help`;

function fixed(value: number): string {
  return value.toFixed(4);
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      provider: { type: "string", default: "cpu" },
      "no-fallback": { type: "boolean", default: false },
      config: { type: "string" },
      "data-dir": { type: "string" },
      examples: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(
      `Cannot evaluate as exactly one .onnx file must be given: current value is ${positionals.length} arguments\n\n${USAGE}`,
    );
    return 2;
  }
  const action = "evaluate the ONNX model";
  const provider = values.provider as Provider;
  requireChoice(action, "--provider", provider, PROVIDERS);
  const evalExamples = values.examples === undefined
    ? undefined
    : Number(values.examples);
  if (evalExamples !== undefined) {
    requireInteger(action, "--examples", evalExamples, 1);
  }
  const config = values.config === undefined
    ? undefined
    : JSON.parse(await Deno.readTextFile(values.config)) as RunConfig;

  const path = positionals[0];
  const result = await evaluateOnnxRun(path, {
    provider,
    fallback: !values["no-fallback"],
    config,
    dataDir: values["data-dir"],
    evalExamples,
    log: (line) => console.error(line),
  });
  if (values.json) {
    console.log(JSON.stringify({
      path,
      task: result.config.task,
      split: result.config.evalSplit ?? "validation",
      provider: result.provider,
      fallbackReason: result.fallbackReason,
      ...result.metrics,
      reported: result.reported,
    }));
    return 0;
  }
  const { metrics } = result;
  const vision = result.config.model.kind === "resnet";
  const measured = vision
    ? `loss ${fixed(metrics.loss)}, accuracy ${fixed(metrics.accuracy)}`
    : `loss ${fixed(metrics.loss)}, perplexity ${fixed(metrics.perplexity)}`;
  const reported = result.reported === undefined
    ? ""
    : `; training reported loss ${fixed(result.reported.evalLoss)}${
      vision ? `, accuracy ${fixed(result.reported.metric)}` : ""
    } at step ${result.reported.step}`;
  console.log(
    `evaluate ${path}: ${result.config.task} ${
      result.config.evalSplit ?? "validation"
    }, ${metrics.count} ${
      vision ? "examples" : "tokens"
    } on ${result.provider}: ${measured}${reported}`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(
      `evaluate: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
}
