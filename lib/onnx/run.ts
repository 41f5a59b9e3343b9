/**
 * From a training run's checkpoint folder to an exported, independently
 * evaluated ONNX model.
 *
 * - {@linkcode loadTrainedRun} rebuilds the tfjs model from `checkpoint.bin`;
 * - {@linkcode runEvaluationBatches} yields the held-out batches the training
 *   loop scores, in the same order and sizes;
 * - {@linkcode exportRun} writes the ONNX file with the run's config and last
 *   evaluation as metadata (`deno task export`);
 * - {@linkcode evaluateOnnxRun} measures such a file with ONNX Runtime
 *   (`deno task evaluate`);
 * - {@linkcode exportAndEvaluate} does both and puts the run's reported
 *   metrics next to ONNX Runtime's (for the notebooks).
 *
 * The model and data come from `loadTask` and `buildModel` of
 * lib/train/run.ts, so a rebuilt run is the one that was trained.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { Model } from "../models/model.ts";
import { evaluationBatches } from "../data/images.ts";
import { textEvaluationBatches } from "../data/tinyshakespeare.ts";
import { readCheckpoint } from "../train/checkpoint.ts";
import {
  buildModel,
  CHECKPOINT_FILE,
  loadTask,
  type TaskData,
} from "../train/run.ts";
import type { CurvePoint, MetricName, RunConfig } from "../train/types.ts";
import type { LabelledBatch } from "./evaluate.ts";
import { evaluateOnnx } from "./evaluate.ts";
import { exportModel, saveOnnx } from "./export.ts";
import type { Metrics } from "./metrics.ts";
import { loadOnnx, type Provider } from "./runtime.ts";

export { CHECKPOINT_FILE };

/** The optional config file of a run folder whose checkpoint lacks one. */
export const CONFIG_FILE = "config.json";

/** A dataset loaded for a run, tagged by modality. */
export type RunData = TaskData;

/** A run rebuilt from its checkpoint. */
export interface TrainedRun {
  /** The run's config. */
  readonly config: RunConfig;
  /** The tfjs model with the checkpoint's weights and buffers. */
  readonly model: Model;
  /** The run's dataset. */
  readonly data: RunData;
  /** Optimizer steps completed when the checkpoint was written. */
  readonly step: number;
  /** The evaluations the run reported, in step order. */
  readonly curve: readonly CurvePoint[];
}

/** Where to find a run: its checkpoint folder and, optionally, its config. */
export interface RunReference {
  /** The folder that holds `checkpoint.bin`. */
  readonly checkpointDir: string;
  /**
   * The run's config; when absent it is read from the checkpoint's header
   * (`meta.config`) or from `config.json` in the folder.
   */
  readonly config?: RunConfig;
}

interface CheckpointMeta {
  step?: number;
  curve?: CurvePoint[];
  config?: RunConfig;
}

function reference(run: string | RunReference): RunReference {
  return typeof run === "string" ? { checkpointDir: run } : run;
}

/**
 * Loads the dataset of a run, as the training loop does.
 *
 * @param config The run's config.
 * @returns The dataset.
 */
export function loadRunData(config: RunConfig): Promise<RunData> {
  return loadTask(config);
}

async function readConfig(
  run: RunReference,
  meta: CheckpointMeta,
): Promise<RunConfig> {
  if (run.config !== undefined) return run.config;
  if (meta.config !== undefined) return meta.config;
  const path = `${run.checkpointDir}/${CONFIG_FILE}`;
  try {
    return JSON.parse(await Deno.readTextFile(path)) as RunConfig;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot load the run as its config must be given, stored in the checkpoint or in ${CONFIG_FILE}: current value is missing in "${run.checkpointDir}"`,
      );
    }
    throw error;
  }
}

/**
 * Rebuilds a trained model from a run folder: reads `checkpoint.bin`, the
 * config, the dataset (for the class count, channels or vocabulary), builds
 * the model and assigns every stored parameter (`param:<name>`) and buffer
 * (`buffer:<name>`).
 *
 * @param run The checkpoint folder, or a folder plus config.
 * @returns The run; dispose `model` when done.
 * @throws {Deno.errors.NotFound} When the folder has no checkpoint or no
 *   config can be found.
 * @throws {RangeError} When a stored tensor is missing or has the wrong
 *   shape for the config's model.
 */
export async function loadTrainedRun(
  run: string | RunReference,
): Promise<TrainedRun> {
  const where = reference(run);
  const path = `${where.checkpointDir}/${CHECKPOINT_FILE}`;
  const checkpoint = await readCheckpoint<CheckpointMeta>(path);
  if (checkpoint === undefined) {
    throw new Deno.errors.NotFound(
      `Cannot load the run as its folder must hold ${CHECKPOINT_FILE}: current value is "${where.checkpointDir}"`,
    );
  }
  const config = await readConfig(where, checkpoint.meta);
  // Whichever backend the caller chose, or tfjs's default (wasm).
  await tf.ready();
  const data = await loadRunData(config);
  const model = buildModel(data, config);
  try {
    const restore = (key: string, target: tf.Variable) => {
      const entry = checkpoint.tensors.get(key);
      if (entry === undefined || entry.shape.join() !== target.shape.join()) {
        throw new RangeError(
          `Cannot load the run as ${key} must have shape [${
            target.shape.join(", ")
          }]: current value is ${
            entry === undefined ? "missing" : `[${entry.shape.join(", ")}]`
          }`,
        );
      }
      tf.tidy(() =>
        target.assign(tf.tensor(entry.values, entry.shape, entry.dtype))
      );
    };
    for (const [name, v] of model.params) restore(`param:${name}`, v);
    for (const [name, v] of model.buffers) restore(`buffer:${name}`, v);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    config,
    model,
    data,
    step: checkpoint.meta.step ?? 0,
    curve: checkpoint.meta.curve ?? [],
  };
}

/**
 * The held-out batches the training loop scores, in the same order and
 * sizes: for vision the first `evalExamples` images of `evalSplit` in
 * batches of `max(batchSize, 100)`; for language consecutive windows of
 * `sequenceLength` tokens, `batchSize` per batch, at most `evalExamples`.
 *
 * @param config The run's config.
 * @param data The run's dataset.
 * @returns The labelled batches, lazily.
 */
export function* runEvaluationBatches(
  config: RunConfig,
  data: RunData,
): Generator<LabelledBatch> {
  const split = config.evalSplit ?? "validation";
  if (data.kind === "vision") {
    const { dataset } = data;
    const batches = evaluationBatches(
      dataset,
      dataset[split],
      Math.max(config.batchSize, 100),
      config.evalExamples,
    );
    for (const b of batches) {
      yield {
        inputs: {
          data: b.images,
          shape: [b.size, dataset.height, dataset.width, dataset.channels],
        },
        labels: b.labels,
      };
    }
    return;
  }
  const batches = textEvaluationBatches(data.dataset[split], {
    batchSize: config.batchSize,
    length: config.sequenceLength ?? 128,
    limit: config.evalExamples,
  });
  for (const b of batches) {
    yield {
      inputs: { data: b.inputs, shape: [b.size, b.length] },
      labels: b.targets,
    };
  }
}

/** Metadata keys the exporter stores in a run's ONNX file. */
export const RUN_METADATA = {
  /** The run's config as JSON. */
  config: "runConfig",
  /** Optimizer steps of the exported weights. */
  step: "step",
  /** The last evaluation the run reported, as a JSON `CurvePoint`. */
  reported: "reportedEvaluation",
} as const;

/** What {@linkcode exportRun} wrote. */
export interface ExportedRun {
  /** The ONNX file. */
  readonly path: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** The run's config. */
  readonly config: RunConfig;
  /** The model family. */
  readonly kind: Model["kind"];
  /** Trainable parameters of the model. */
  readonly parameterCount: number;
  /** Optimizer steps of the exported weights. */
  readonly step: number;
  /** The run's last reported evaluation, if any. */
  readonly reported: CurvePoint | undefined;
}

async function exportTrained(
  trained: TrainedRun,
  path: string,
): Promise<ExportedRun> {
  const { config, model, data, curve, step } = trained;
  const reported = curve.at(-1);
  const bytes = exportModel(model, {
    imageSize: data.kind === "vision"
      ? [data.dataset.height, data.dataset.width]
      : undefined,
    metadata: {
      [RUN_METADATA.config]: JSON.stringify(config),
      [RUN_METADATA.step]: String(step),
      ...(reported === undefined
        ? {}
        : { [RUN_METADATA.reported]: JSON.stringify(reported) }),
    },
  });
  await saveOnnx(path, bytes);
  return {
    path,
    bytes: bytes.length,
    config,
    kind: model.kind,
    parameterCount: model.parameterCount(),
    step,
    reported,
  };
}

/**
 * Exports a run's checkpoint to an ONNX file, written atomically. The file
 * carries the run's config, step and last reported evaluation as metadata,
 * so that {@linkcode evaluateOnnxRun} can find the data and compare.
 *
 * @param run The checkpoint folder, or a folder plus config.
 * @param out The destination.
 * @default out `${checkpointDir}/model.onnx`
 * @returns What was written.
 * @throws {Deno.errors.NotFound} When the checkpoint or config is missing.
 */
export async function exportRun(
  run: string | RunReference,
  out?: string,
): Promise<ExportedRun> {
  const where = reference(run);
  const trained = await loadTrainedRun(where);
  try {
    return await exportTrained(
      trained,
      out ?? `${where.checkpointDir}/model.onnx`,
    );
  } finally {
    trained.model.dispose();
  }
}

/** Options of {@linkcode evaluateOnnxRun}. */
export interface EvaluateRunOptions {
  /**
   * The ONNX Runtime execution provider.
   * @default {"cpu"}
   */
  readonly provider?: Provider;
  /**
   * Whether a GPU provider that cannot start falls back to the CPU.
   * @default {true}
   */
  readonly fallback?: boolean;
  /**
   * The run config, for a file without the exporter's metadata.
   * @default {the file's "runConfig" metadata}
   */
  readonly config?: RunConfig;
  /**
   * Overrides the config's data folder.
   * @default {undefined}
   */
  readonly dataDir?: string;
  /**
   * Overrides the config's `evalExamples`.
   * @default {undefined}
   */
  readonly evalExamples?: number;
  /**
   * Receives one line per notable event (a provider fallback).
   * @default {() => {}}
   */
  readonly log?: (line: string) => void;
}

/** What {@linkcode evaluateOnnxRun} measured. */
export interface OnnxRunEvaluation {
  /** The metrics ONNX Runtime gives on the run's evaluation batches. */
  readonly metrics: Metrics;
  /** The config the batches were drawn from. */
  readonly config: RunConfig;
  /** The provider that ran the model. */
  readonly provider: Provider;
  /** Why the requested provider was replaced by the CPU, if it was. */
  readonly fallbackReason: string | undefined;
  /** The run's last reported evaluation, from the file's metadata. */
  readonly reported: CurvePoint | undefined;
}

/**
 * Evaluates an exported run's ONNX file with ONNX Runtime on the run's
 * evaluation batches (see {@linkcode runEvaluationBatches}).
 *
 * @param source The `.onnx` path or bytes.
 * @param options Provider, config and data overrides.
 * @returns The metrics, and the run's reported evaluation for comparison.
 * @throws {Deno.errors.NotFound} When the file is missing.
 * @throws {TypeError} When the file is not ONNX, carries no run config and
 *   none is given, or the provider is unknown.
 * @throws {RangeError} When the data's shape does not match the model.
 */
export async function evaluateOnnxRun(
  source: string | Uint8Array,
  options: EvaluateRunOptions = {},
): Promise<OnnxRunEvaluation> {
  const model = await loadOnnx(source, {
    provider: options.provider,
    fallback: options.fallback,
    log: options.log,
  });
  try {
    const stored = model.metadata[RUN_METADATA.config];
    const base = options.config ??
      (stored === undefined ? undefined : JSON.parse(stored) as RunConfig);
    if (base === undefined) {
      throw new TypeError(
        `Cannot evaluate the ONNX model as it must carry a run config (metadata "${RUN_METADATA.config}") or be given one: current value is missing`,
      );
    }
    const config: RunConfig = {
      ...base,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.evalExamples === undefined
        ? {}
        : { evalExamples: options.evalExamples }),
    };
    const data = await loadRunData(config);
    const metrics = await evaluateOnnx(
      model,
      runEvaluationBatches(config, data),
    );
    const reported = model.metadata[RUN_METADATA.reported];
    return {
      metrics,
      config,
      provider: model.provider,
      fallbackReason: model.fallbackReason,
      reported: reported === undefined
        ? undefined
        : JSON.parse(reported) as CurvePoint,
    };
  } finally {
    await model.release();
  }
}

/** One side of {@linkcode DeploymentCheck}. */
export interface RunMetrics {
  /** Mean cross-entropy on the evaluation split. */
  readonly loss: number;
  /** Accuracy for vision runs; `undefined` for language runs. */
  readonly accuracy: number | undefined;
  /** `exp(loss)`. */
  readonly perplexity: number;
}

/** What {@linkcode exportAndEvaluate} returns. */
export interface DeploymentCheck {
  /** The ONNX file written. */
  readonly path: string;
  /** The run's metric name (`accuracy` or `validationLoss`). */
  readonly metricName: MetricName;
  /** Optimizer steps of the exported weights. */
  readonly step: number;
  /** The metrics the training run reported at its last evaluation. */
  readonly tfjs: RunMetrics;
  /** The same metrics measured with ONNX Runtime on the same batches. */
  readonly onnx: RunMetrics & { readonly provider: Provider };
  /**
   * Largest absolute difference between tfjs (the active backend) and ONNX
   * Runtime logits on the first evaluation batch.
   */
  readonly maxAbsLogitDiff: number;
  /** Why ONNX Runtime runs on the CPU instead of the requested provider. */
  readonly fallbackReason: string | undefined;
}

/** Options of {@linkcode exportAndEvaluate}. */
export interface ExportAndEvaluateOptions {
  /**
   * Where to write the model.
   * @default {`${checkpointDir}/model.onnx`}
   */
  readonly out?: string;
  /**
   * The ONNX Runtime execution provider (falls back to cpu).
   * @default {"cpu"}
   */
  readonly provider?: Provider;
  /**
   * Receives one line per notable event (a provider fallback).
   * @default {() => {}}
   */
  readonly log?: (line: string) => void;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst;
}

/**
 * Exports a trained run to ONNX, evaluates the file with ONNX Runtime on
 * the run's evaluation batches and returns both sets of metrics: `tfjs` as
 * the run reported them at its last evaluation, `onnx` as ONNX Runtime
 * measures them. For a checkpoint written right after the final evaluation
 * the two agree to float32 rounding (about 1e-6 relative). This is the one
 * call the vision and language notebooks need.
 *
 * @param run The checkpoint folder, or a folder plus config.
 * @param options Output path, provider and logger.
 * @returns The paired metrics and the logit difference.
 * @throws {Deno.errors.NotFound} When the folder or config is missing.
 * @throws {RangeError} When the run has no evaluation to compare with.
 *
 * @example After `trainRun(config, { checkpointDir })`
 * ```ts ignore
 * import { exportAndEvaluate } from "../lib/onnx/run.ts";
 *
 * const check = await exportAndEvaluate({ checkpointDir, config });
 * console.log(check.tfjs.accuracy, check.onnx.accuracy);
 * ```
 */
export async function exportAndEvaluate(
  run: string | RunReference,
  options: ExportAndEvaluateOptions = {},
): Promise<DeploymentCheck> {
  const where = reference(run);
  const trained = await loadTrainedRun(where);
  const { model, data, config } = trained;
  try {
    const last = trained.curve.at(-1);
    if (last === undefined) {
      throw new RangeError(
        `Cannot compare with the run as it must have reported an evaluation: current value is 0 evaluations`,
      );
    }
    const exported = await exportTrained(
      trained,
      options.out ?? `${where.checkpointDir}/model.onnx`,
    );
    const evaluation = await evaluateOnnxRun(exported.path, {
      provider: options.provider,
      config,
      log: options.log,
    });

    // Logits of both engines on the first evaluation batch.
    const probe = runEvaluationBatches(config, data).next().value!;
    const onnxModel = await loadOnnx(exported.path);
    let maxAbsLogitDiff: number;
    try {
      const { logits } = await onnxModel.run({
        [onnxModel.inputs[0].name]: probe.inputs,
      });
      const expected = tf.tidy(() =>
        model.apply(
          tf.tensor(
            probe.inputs.data as Float32Array | Int32Array,
            [...probe.inputs.shape],
            data.kind === "vision" ? "float32" : "int32",
          ),
          { training: false },
        )
      );
      maxAbsLogitDiff = maxAbsDiff(
        logits.data as Float32Array,
        expected.dataSync() as Float32Array,
      );
      expected.dispose();
    } finally {
      await onnxModel.release();
    }

    const vision = data.kind === "vision";
    const { metrics } = evaluation;
    return {
      path: exported.path,
      metricName: vision ? "accuracy" : "validationLoss",
      step: trained.step,
      tfjs: {
        loss: last.evalLoss,
        accuracy: vision ? last.metric : undefined,
        perplexity: Math.exp(last.evalLoss),
      },
      onnx: {
        loss: metrics.loss,
        accuracy: vision ? metrics.accuracy : undefined,
        perplexity: metrics.perplexity,
        provider: evaluation.provider,
      },
      maxAbsLogitDiff,
      fallbackReason: evaluation.fallbackReason,
    };
  } finally {
    model.dispose();
  }
}
