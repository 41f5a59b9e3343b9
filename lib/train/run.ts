/**
 * {@linkcode trainRun}: trains one {@linkcode RunConfig} for its iteration
 * budget and returns a {@linkcode RunResult}.
 *
 * The loop, per step: set the learning rate from the schedule, draw a batch,
 * forward and backward, stop if the loss is not finite, clip, update, report
 * progress; then evaluate every `evalEvery` steps and after the last one, and
 * write a checkpoint every `checkpointEvery` steps and at the end.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import {
  requireChoice,
  requireInteger,
  requireOptions,
  requirePositive,
} from "../_validate.ts";
import { useBackend } from "../engine/backend.ts";
import { configHash } from "../repro/config_hash.ts";
import { scheduleFromSpec } from "../repro/schedule_spec.ts";
import type { Schedule } from "../schedule.ts";
import type { Model } from "../models/model.ts";
import { createResNet } from "../models/resnet.ts";
import { createOlmo } from "../models/olmo.ts";
import { loadCifar } from "../data/cifar.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import {
  evaluationBatches,
  ImageBatches,
  type ImageBatchesState,
  type ImageDataset,
} from "../data/images.ts";
import {
  loadTinyShakespeare,
  TextBatches,
  type TextBatchesState,
  type TextDataset,
  textEvaluationBatches,
} from "../data/tinyshakespeare.ts";
import {
  adam,
  adamw,
  clipByGlobalNorm,
  type Optimizer,
  type OptimizerState,
  sgd,
} from "../engine/optimizers.ts";
import {
  encodeCheckpoint,
  readCheckpoint,
  type StoredTensor,
  storeTensor,
  writeFileAtomically,
} from "./checkpoint.ts";
import type {
  CurvePoint,
  MetricName,
  OptimizerSpec,
  ProgressEvent,
  RunConfig,
  RunResult,
  TaskName,
  TrainRunOptions,
} from "./types.ts";

/** The tasks {@linkcode trainRun} knows. */
export const TASK_NAMES: readonly TaskName[] = [
  "fashion-mnist",
  "fashion-mnist-mini",
  "cifar10",
  "cifar100",
  "tinyshakespeare",
];

/** The file name of the checkpoint inside a checkpoint folder. */
export const CHECKPOINT_FILE = "checkpoint.bin";

// ---------------------------------------------------------------------------
// Configuration.

/**
 * Checks a run config eagerly and fills its defaults.
 *
 * @throws {TypeError} On an unknown task, model kind or optimizer.
 * @throws {RangeError} On a size or count that is not a positive integer.
 */
export function resolveRunConfig(config: RunConfig):
  & Required<
    Pick<RunConfig, "seed" | "evalSplit" | "sequenceLength" | "augment">
  >
  & RunConfig {
  const action = "train a run";
  requireOptions(action, config);
  requireChoice(action, "task", config.task, TASK_NAMES);
  requireOptions(action, config.model);
  requireChoice(
    action,
    "model.kind",
    config.model?.kind,
    [
      "resnet",
      "olmo",
    ] as const,
  );
  const language = config.task === "tinyshakespeare";
  if (language !== (config.model.kind === "olmo")) {
    throw new TypeError(
      `Cannot ${action} as task ${config.task} needs model.kind ${
        language ? '"olmo"' : '"resnet"'
      }: current value is ${JSON.stringify(config.model.kind)}`,
    );
  }
  requireOptions(action, config.optimizer);
  requireOptions(action, config.schedule);
  requireInteger(action, "steps", config.steps, 1);
  requireInteger(action, "batchSize", config.batchSize, 1);
  requireInteger(action, "evalEvery", config.evalEvery, 1);
  if (config.evalExamples !== undefined) {
    requireInteger(action, "evalExamples", config.evalExamples, 1);
  }
  if (config.trainExamples !== undefined) {
    requireInteger(action, "trainExamples", config.trainExamples, 1);
  }
  if (config.checkpointEvery !== undefined) {
    requireInteger(action, "checkpointEvery", config.checkpointEvery, 1);
  }
  if (config.gradClip !== undefined) {
    requirePositive(action, "gradClip", config.gradClip);
  }
  const resolved = {
    ...config,
    seed: config.seed ?? 0,
    evalSplit: config.evalSplit ?? "validation",
    sequenceLength: config.sequenceLength ?? 128,
    augment: config.augment ?? true,
  };
  requireInteger(action, "seed", resolved.seed, 0);
  requireChoice(
    action,
    "evalSplit",
    resolved.evalSplit,
    [
      "validation",
      "test",
    ] as const,
  );
  requireInteger(action, "sequenceLength", resolved.sequenceLength, 1);
  return resolved;
}

/**
 * The part of a config that decides the trained weights: what a checkpoint
 * must match to be resumed. Checkpoint cadence and data location do not
 * count.
 */
function identity(config: RunConfig): string {
  const { checkpointEvery: _c, dataDir: _d, ...rest } = config;
  return configHash(rest);
}

// ---------------------------------------------------------------------------
// Data.

/** The dataset of a run, tagged by modality. */
export type TaskData =
  | { kind: "vision"; dataset: ImageDataset }
  | { kind: "language"; dataset: TextDataset };

/**
 * Loads the dataset of a run: the config's `dataDir`, else `UBA_DATA_DIR`,
 * else the cache (downloading into it); `fashion-mnist-mini` is the
 * embedded subset.
 *
 * @param config The run.
 * @returns The dataset, tagged `"vision"` or `"language"`.
 * @throws {DataIntegrityError} When a file does not match its digest.
 */
export async function loadTask(config: RunConfig): Promise<TaskData> {
  const location = { dataDir: config.dataDir };
  switch (config.task) {
    case "fashion-mnist":
      return {
        kind: "vision",
        dataset: await loadFashionMnist({ ...location, subset: "full" }),
      };
    case "fashion-mnist-mini":
      return {
        kind: "vision",
        dataset: await loadFashionMnist({ subset: "mini" }),
      };
    case "cifar10":
    case "cifar100":
      return {
        kind: "vision",
        dataset: await loadCifar(
          config.task === "cifar10" ? 10 : 100,
          location,
        ),
      };
    case "tinyshakespeare":
      return { kind: "language", dataset: await loadTinyShakespeare(location) };
  }
}

/** A training stream: next batch as tensors, and a saveable position. */
interface Stream {
  next(): { input: tf.Tensor; target: tf.Tensor };
  getState(): ImageBatchesState | TextBatchesState;
  setState(state: unknown): void;
}

/** Derives an independent 32-bit seed for a purpose from the run's seed. */
function deriveSeed(seed: number, purpose: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(purpose, 0x85ebca77)) >>>
    0;
}

function trainStream(
  data: TaskData,
  config: ReturnType<typeof resolveRunConfig>,
): Stream {
  const seed = deriveSeed(config.seed, 1);
  if (data.kind === "vision") {
    const { dataset } = data;
    const augment = config.augment && dataset.name.startsWith("cifar");
    const batches = new ImageBatches(dataset, dataset.train, {
      batchSize: config.batchSize,
      seed,
      augment,
      limit: config.trainExamples,
    });
    return {
      next: () => {
        const b = batches.next();
        return {
          input: tf.tensor4d(b.images, [
            b.size,
            dataset.height,
            dataset.width,
            dataset.channels,
          ]),
          target: tf.tensor1d(b.labels, "int32"),
        };
      },
      getState: () => batches.getState(),
      setState: (state) => batches.setState(state as ImageBatchesState),
    };
  }
  const tokens = config.trainExamples === undefined
    ? data.dataset.train
    : data.dataset.train.subarray(0, config.trainExamples);
  const batches = new TextBatches(tokens, {
    batchSize: config.batchSize,
    length: config.sequenceLength,
    seed,
  });
  return {
    next: () => {
      const b = batches.next();
      return {
        input: tf.tensor2d(b.inputs, [b.size, b.length], "int32"),
        target: tf.tensor2d(b.targets, [b.size, b.length], "int32"),
      };
    },
    getState: () => batches.getState(),
    setState: (state) => batches.setState(state as TextBatchesState),
  };
}

// ---------------------------------------------------------------------------
// Model, loss and evaluation.

/**
 * Builds the freshly initialised model of a run for its data: classes and
 * input channels (vision) or vocabulary (language) come from the dataset,
 * the OLMo context length from `sequenceLength`, the seed from the run's.
 *
 * @param data The run's dataset, from {@linkcode loadTask}.
 * @param config The run.
 * @returns The model.
 */
export function buildModel(data: TaskData, config: RunConfig): Model {
  const seed = deriveSeed(config.seed ?? 0, 0);
  if (config.model.kind === "resnet") {
    const dataset = data.dataset as ImageDataset;
    const { kind: _kind, ...shape } = config.model;
    return createResNet({
      ...shape,
      classes: dataset.classes,
      inputChannels: dataset.channels,
      seed,
    });
  }
  const dataset = data.dataset as TextDataset;
  const { kind: _kind, ...shape } = config.model;
  return createOlmo({
    ...shape,
    vocabularySize: dataset.vocabulary.length,
    contextLength: config.sequenceLength ?? 128,
    seed,
  });
}

/**
 * Mean softmax cross-entropy of logits `[..., classes]` against integer
 * targets `[...]`:
 *
 *     loss = mean_i ( logsumexp(z_i) - z_i[y_i] )
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1];
    const flat = tf.reshape(logits, [-1, classes]);
    const labels = tf.reshape(targets, [-1]);
    const logProbabilities = tf.logSoftmax(flat);
    const picked = tf.sum(
      tf.mul(logProbabilities, tf.oneHot(labels as tf.Tensor1D, classes)),
      1,
    );
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

interface Evaluation {
  evalLoss: number;
  metric: number;
  perplexity?: number;
}

async function evaluate(
  model: Model,
  data: TaskData,
  config: ReturnType<typeof resolveRunConfig>,
): Promise<Evaluation> {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  if (data.kind === "vision") {
    const { dataset } = data;
    const split = dataset[config.evalSplit];
    const batchSize = Math.max(config.batchSize, 100);
    for (
      const b of evaluationBatches(
        dataset,
        split,
        batchSize,
        config.evalExamples,
      )
    ) {
      const [loss, hits] = tf.tidy(() => {
        const input = tf.tensor4d(b.images, [
          b.size,
          dataset.height,
          dataset.width,
          dataset.channels,
        ]);
        const labels = tf.tensor1d(b.labels, "int32");
        const logits = model.apply(input, { training: false });
        const loss = crossEntropy(logits, labels);
        const hits = tf.sum(
          tf.cast(tf.equal(tf.argMax(logits, 1), labels), "int32"),
        );
        return [loss, hits];
      });
      lossSum += (await loss.data())[0] * b.size;
      correct += (await hits.data())[0];
      count += b.size;
      tf.dispose([loss, hits]);
    }
    return { evalLoss: lossSum / count, metric: correct / count };
  }
  const tokens = data.dataset[config.evalSplit];
  for (
    const b of textEvaluationBatches(tokens, {
      batchSize: config.batchSize,
      length: config.sequenceLength,
      limit: config.evalExamples,
    })
  ) {
    const loss = tf.tidy(() => {
      const input = tf.tensor2d(b.inputs, [b.size, b.length], "int32");
      const target = tf.tensor2d(b.targets, [b.size, b.length], "int32");
      return crossEntropy(model.apply(input, { training: false }), target);
    });
    lossSum += (await loss.data())[0] * b.size;
    count += b.size;
    loss.dispose();
  }
  const evalLoss = lossSum / count;
  return { evalLoss, metric: evalLoss, perplexity: Math.exp(evalLoss) };
}

/** The engine optimizer a spec names, over the model's parameters. */
function buildOptimizer(
  spec: OptimizerSpec,
  params: ReadonlyMap<string, tf.Variable>,
): Optimizer {
  requireChoice(
    "train a run",
    "optimizer.name",
    spec.name,
    [
      "sgd",
      "adam",
      "adamw",
    ] as const,
  );
  if (spec.name === "sgd") {
    return sgd(params, {
      momentum: spec.momentum,
      nesterov: spec.nesterov,
      weightDecay: spec.weightDecay,
    });
  }
  const options = {
    beta1: spec.beta1,
    beta2: spec.beta2,
    epsilon: spec.epsilon,
    weightDecay: spec.weightDecay,
  };
  return spec.name === "adam" ? adam(params, options) : adamw(params, options);
}

// ---------------------------------------------------------------------------
// Checkpoints.

/** The JSON header of a run's checkpoint. */
export interface CheckpointMeta {
  /** Format version of the header. */
  version: 1;
  /** Hash of the config fields that decide the weights. */
  identity: string;
  /** The run's config. */
  config: RunConfig;
  /** Optimizer steps completed. */
  step: number;
  /** The evaluations so far. */
  curve: CurvePoint[];
  /** Sum of the training losses since the last evaluation. */
  lossSum: number;
  /** Number of those losses. */
  lossCount: number;
  /** The training stream's position and generator state. */
  data: unknown;
  /** The optimizer's family and step count (its slots are tensors). */
  optimizer: { kind: string; step: number };
  /** The learning rate of the last step taken. */
  lastLr: number;
  /** Whether the run stopped on a non-finite loss. */
  diverged: boolean;
  /** The step at which it did. */
  divergedAtStep?: number;
}

async function saveCheckpoint(
  path: string,
  meta: Omit<CheckpointMeta, "optimizer">,
  model: Model,
  optimizer: Optimizer,
): Promise<void> {
  const tensors = new Map<string, StoredTensor>();
  for (const [name, v] of model.params) {
    tensors.set(`param:${name}`, await storeTensor(v));
  }
  for (const [name, v] of model.buffers) {
    tensors.set(`buffer:${name}`, await storeTensor(v));
  }
  const state = await optimizer.getState();
  for (const [key, values] of Object.entries(state.slots)) {
    tensors.set(`slot:${key}`, {
      shape: [values.length],
      dtype: "float32",
      values,
    });
  }
  const optimizerMeta = { kind: state.kind, step: state.step };
  await writeFileAtomically(
    path,
    encodeCheckpoint({ meta: { ...meta, optimizer: optimizerMeta }, tensors }),
  );
}

function restoreCheckpoint(
  saved: { meta: CheckpointMeta; tensors: Map<string, StoredTensor> },
  model: Model,
  optimizer: Optimizer,
  path: string,
): void {
  const take = (key: string, target: tf.Variable) => {
    const entry = saved.tensors.get(key);
    if (entry === undefined || entry.shape.join() !== target.shape.join()) {
      throw new RangeError(
        `Cannot resume from ${path} as ${key} must have shape [${target.shape}]: current value is ${
          entry === undefined ? "missing" : `[${entry.shape}]`
        }`,
      );
    }
    tf.tidy(() =>
      target.assign(tf.tensor(entry.values, entry.shape, entry.dtype))
    );
  };
  for (const [name, v] of model.params) take(`param:${name}`, v);
  for (const [name, v] of model.buffers) take(`buffer:${name}`, v);
  const state: OptimizerState = {
    kind: saved.meta.optimizer.kind,
    step: saved.meta.optimizer.step,
    slots: {},
  };
  for (const [key, entry] of saved.tensors) {
    if (!key.startsWith("slot:")) continue;
    state.slots[key.slice("slot:".length)] = entry.values as Float32Array;
  }
  optimizer.setState(state);
}

// ---------------------------------------------------------------------------
// The run.

/** Averages per-step times with an exponential moving average. */
class StepTimer {
  #mean: number | undefined = undefined;
  update(ms: number): number {
    this.#mean = this.#mean === undefined ? ms : 0.9 * this.#mean + 0.1 * ms;
    return this.#mean;
  }
  get mean(): number {
    return this.#mean ?? 0;
  }
}

function summarise(
  curve: CurvePoint[],
  metricName: MetricName,
): { finalMetric: number; bestMetric: number; finalPerplexity?: number } {
  const higherIsBetter = metricName === "accuracy";
  if (curve.length === 0) return { finalMetric: NaN, bestMetric: NaN };
  const last = curve[curve.length - 1];
  let best = curve[0].metric;
  for (const point of curve) {
    if (higherIsBetter ? point.metric > best : point.metric < best) {
      best = point.metric;
    }
  }
  return {
    finalMetric: last.metric,
    bestMetric: best,
    ...(last.perplexity === undefined
      ? {}
      : { finalPerplexity: last.perplexity }),
  };
}

/**
 * Trains one run from a plain JSON config.
 *
 * - Budget: exactly `config.steps` optimizer steps; the learning rate of
 *   step `t` (0-based) is `schedule(t)`.
 * - Evaluation: after every `evalEvery` steps and after the last step, on
 *   `evalSplit`; vision runs measure accuracy, language runs validation
 *   loss (and perplexity `exp(loss)`).
 * - Divergence: a NaN or infinite training loss stops the run before the
 *   update; the result has `diverged: true` and NaN metrics unless an
 *   earlier evaluation exists. It does not throw.
 * - Checkpoints: with `checkpointDir`, every `checkpointEvery` steps and at
 *   the end, the file `checkpoint.bin` is replaced atomically; it holds the
 *   weights, batch-norm buffers, optimizer state, data position, generator
 *   state, curve and step. A later call with the same config resumes from it
 *   and ends with the same weights as an uninterrupted run on the same
 *   backend; a finished checkpoint returns its result without training.
 * - Abort: when `signal` fires, the run stops after the current step,
 *   writes a checkpoint there (with `checkpointDir`) and returns
 *   `aborted: true`; a later call resumes from that step.
 *
 * @param config The run.
 * @param options Progress callback, checkpoint folder, abort signal.
 * @returns The curve and final and best metrics.
 * @throws {TypeError|RangeError} On an invalid config, before any work.
 * @throws {Error} When data cannot be loaded or a checkpoint belongs to a
 *   different config.
 *
 * @example A few steps on the embedded Fashion-MNIST subset
 * ```ts
 * import { trainRun } from "./run.ts";
 *
 * const result = await trainRun({
 *   task: "fashion-mnist-mini",
 *   model: { kind: "resnet", preset: "resnet-tiny" },
 *   optimizer: { name: "sgd", momentum: 0.9 },
 *   schedule: { name: "uba", options: { peakLr: 0.05, phi: 4 } },
 *   steps: 4, batchSize: 8, evalEvery: 4, evalExamples: 50, backend: "wasm",
 * });
 * if (result.steps !== 4 || result.curve.length !== 1) throw new Error("?");
 * ```
 */
export async function trainRun(
  config: RunConfig,
  options: TrainRunOptions = {},
): Promise<RunResult> {
  const started = performance.now();
  const run = resolveRunConfig(config);
  const schedule: Schedule = scheduleFromSpec(run.schedule, run.steps);
  const onProgress = options.onProgress ?? (() => {});
  const emit = (event: ProgressEvent) => onProgress(event);

  // The requested backend, else the active one, else wasm.
  const active: string | null | undefined = tf.engine().backendName;
  if (run.backend !== undefined) await useBackend(run.backend);
  else if (active == null) await useBackend("wasm");
  const backend = tf.getBackend();

  const data = await loadTask(run);
  const metricName: MetricName = data.kind === "vision"
    ? "accuracy"
    : "validationLoss";
  const higherIsBetter = metricName === "accuracy";
  const model = buildModel(data, run);
  const optimizer = buildOptimizer(run.optimizer, model.params);
  const stream = trainStream(data, run);
  const paramNames = [...model.params.keys()];
  const paramList = [...model.params.values()];
  const nameOfVariable = new Map(
    paramNames.map((name, i) => [paramList[i].name, name]),
  );

  const checkpointPath = options.checkpointDir === undefined
    ? undefined
    : `${options.checkpointDir}/${CHECKPOINT_FILE}`;
  const runIdentity = identity(run);
  let step = 0;
  let curve: CurvePoint[] = [];
  let lossSum = 0;
  let lossCount = 0;
  let lastLr = schedule(0);
  let diverged = false;
  let divergedAtStep: number | undefined = undefined;
  let resumedFromStep = 0;

  try {
    // Resume from a checkpoint of the same config, if there is one.
    if (checkpointPath !== undefined) {
      await Deno.mkdir(options.checkpointDir!, { recursive: true });
      const saved = await readCheckpoint<CheckpointMeta>(checkpointPath);
      if (saved !== undefined) {
        if (saved.meta.identity !== runIdentity) {
          throw new Error(
            `Cannot resume from ${checkpointPath} as it must belong to this config (${runIdentity}): current value is ${saved.meta.identity}`,
          );
        }
        restoreCheckpoint(saved, model, optimizer, checkpointPath);
        stream.setState(saved.meta.data);
        step = saved.meta.step;
        curve = saved.meta.curve;
        lossSum = saved.meta.lossSum;
        lossCount = saved.meta.lossCount;
        lastLr = saved.meta.lastLr;
        diverged = saved.meta.diverged;
        divergedAtStep = saved.meta.divergedAtStep;
        resumedFromStep = step;
      }
    }
    const checkpoint = async () => {
      if (checkpointPath === undefined) return;
      await saveCheckpoint(
        checkpointPath,
        {
          version: 1,
          identity: runIdentity,
          config,
          step,
          curve,
          lossSum,
          lossCount,
          data: stream.getState(),
          lastLr,
          diverged,
          ...(divergedAtStep === undefined ? {} : { divergedAtStep }),
        },
        model,
        optimizer,
      );
      emit({ type: "checkpoint", step, path: checkpointPath });
    };

    const timer = new StepTimer();
    let aborted = false;
    while (step < run.steps && !diverged) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      const stepStart = performance.now();

      // Learning rate of this step, from the schedule.
      const lr = schedule(step);

      // Forward and backward on the next batch.
      const batch = stream.next();
      const { value, grads } = tf.variableGrads(
        () =>
          crossEntropy(
            model.apply(batch.input, { training: true }),
            batch.target,
          ),
        paramList,
      );
      tf.dispose([batch.input, batch.target]);
      const loss = (await value.data())[0];
      value.dispose();
      let named = new Map<string, tf.Tensor>();
      for (const [variableName, g] of Object.entries(grads)) {
        named.set(nameOfVariable.get(variableName)!, g);
      }

      // Stop on a non-finite loss, before it reaches the weights.
      if (!Number.isFinite(loss)) {
        tf.dispose([...named.values()]);
        diverged = true;
        divergedAtStep = step;
        emit({ type: "diverged", step, loss, lr });
        break;
      }

      // Clip and update.
      if (run.gradClip !== undefined) {
        const clipped = clipByGlobalNorm(named, run.gradClip);
        tf.dispose([...named.values(), clipped.norm]);
        named = clipped.grads;
      }
      optimizer.step(named, lr);
      tf.dispose([...named.values()]);
      step += 1;
      lastLr = lr;
      lossSum += loss;
      lossCount += 1;

      // Report progress.
      const msPerStep = timer.update(performance.now() - stepStart);
      emit({
        type: "step",
        step,
        totalSteps: run.steps,
        loss,
        lr,
        msPerStep,
        etaMs: msPerStep * (run.steps - step),
      });

      // Evaluate and checkpoint.
      if (step % run.evalEvery === 0 || step === run.steps) {
        const evaluation = await evaluate(model, data, run);
        const point: CurvePoint = {
          step,
          loss: lossSum / lossCount,
          evalLoss: evaluation.evalLoss,
          metric: evaluation.metric,
          ...(evaluation.perplexity === undefined
            ? {}
            : { perplexity: evaluation.perplexity }),
          lr,
        };
        curve.push(point);
        lossSum = 0;
        lossCount = 0;
        emit({
          type: "eval",
          totalSteps: run.steps,
          msPerStep: timer.mean,
          metricName,
          ...point,
        });
      }
      if (
        (run.checkpointEvery !== undefined &&
          step % run.checkpointEvery === 0) || step === run.steps
      ) {
        await checkpoint();
      }
    }
    // A diverged or aborted run keeps its exact position for a later call.
    if ((diverged || aborted) && checkpointPath !== undefined) {
      await checkpoint();
    }

    const summary = summarise(curve, metricName);
    return {
      ...summary,
      ...(diverged && curve.length === 0
        ? { finalMetric: NaN, bestMetric: NaN }
        : {}),
      metricName,
      higherIsBetter,
      curve,
      diverged,
      ...(divergedAtStep === undefined ? {} : { divergedAtStep }),
      aborted,
      wallMs: performance.now() - started,
      steps: step,
      resumedFromStep,
      parameterCount: model.parameterCount(),
      backend,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
