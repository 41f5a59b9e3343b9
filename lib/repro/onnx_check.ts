/**
 * Trains one run of a suite and checks its exported ONNX model: the
 * metrics the tfjs run reported next to those ONNX Runtime measures on the
 * same held-out batches.
 *
 * @module
 */
import { type DeploymentCheck, exportAndEvaluate } from "../onnx/run.ts";
import { trainRun } from "../train/run.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import type { RunSpec } from "./types.ts";

/** What {@linkcode trainAndExport} returns. */
export interface ExportedRun {
  /** The training run's result. */
  result: RunResult;
  /** The exported model's check. */
  check: DeploymentCheck;
}

/**
 * Trains a tfjs run into a fresh folder (its final checkpoint holds the
 * trained weights), exports it to ONNX there and evaluates both.
 *
 * @param spec A tfjs run of a suite.
 * @param folder Where the checkpoint and `model.onnx` go.
 * @returns The run's result and the ONNX check.
 * @throws {TypeError} If the spec is not a tfjs run.
 */
export async function trainAndExport(
  spec: RunSpec,
  folder: string,
): Promise<ExportedRun> {
  if (spec.trainer !== "tfjs") {
    throw new TypeError(
      `Cannot export a run as its trainer must be "tfjs": current value is "${spec.trainer}"`,
    );
  }
  const config = spec.config as RunConfig;
  const result = await trainRun(config, { checkpointDir: folder });
  const check = await exportAndEvaluate({ checkpointDir: folder, config });
  return { result, check };
}

/**
 * A Markdown table of an ONNX check: loss, accuracy or perplexity from tfjs
 * and from ONNX Runtime, and the largest logit difference.
 *
 * @param check From {@linkcode trainAndExport}.
 * @returns Markdown.
 */
export function onnxCheckMarkdown(check: DeploymentCheck): string {
  const show = (value: number | undefined) =>
    value === undefined ? "n/a" : value.toPrecision(6);
  return [
    "| | tfjs (training run) | ONNX Runtime (" + check.onnx.provider + ") |",
    "|---|---|---|",
    `| loss | ${show(check.tfjs.loss)} | ${show(check.onnx.loss)} |`,
    `| accuracy | ${show(check.tfjs.accuracy)} | ${
      show(check.onnx.accuracy)
    } |`,
    `| perplexity | ${show(check.tfjs.perplexity)} | ${
      show(check.onnx.perplexity)
    } |`,
    `| largest logit difference | | ${
      check.maxAbsLogitDiff.toExponential(2)
    } |`,
    "",
  ].join("\n");
}
