/**
 * Plain-JSON types of one training run: the {@linkcode RunConfig} a caller
 * writes, the {@linkcode ProgressEvent}s the loop emits while it runs and the
 * {@linkcode RunResult} it returns.
 *
 * Everything here is data: a config read from a JSON file, a result written to
 * one. `trainRun(config, options)` in `./run.ts` is the function that consumes
 * them.
 *
 * @module
 */

/**
 * The datasets a run can train on. `"fashion-mnist-mini"` is the embedded
 * subset (2,000 / 500 / 1,000 images) that needs no data folder.
 */
export type TaskName =
  | "fashion-mnist"
  | "fashion-mnist-mini"
  | "cifar10"
  | "cifar100"
  | "tinyshakespeare";

/** The backends a run can ask for (see lib/engine). */
export type BackendName = "cpu" | "wasm" | "webgpu";

/**
 * The network of a vision run: a CIFAR-style ResNet with BasicBlocks.
 *
 * Either a `preset` (`"resnet18"`, `"resnet34"`, `"resnet-tiny"`, ...) or
 * explicit `blocks` and `width`; explicit fields override the preset. The
 * number of classes and input channels come from the task.
 */
export interface ResNetSpec {
  /** The family. */
  kind: "resnet";
  /** A named size from `RESNET_PRESETS` in lib/models/resnet.ts. */
  preset?: string;
  /** BasicBlocks per stage, e.g. `[2, 2, 2, 2]` for ResNet-18. */
  blocks?: number[];
  /** Channels of the first stage; stage `i` has `width * 2^i`. */
  width?: number;
}

/**
 * The network of a language run: an OLMo-style decoder-only transformer.
 *
 * Either a `preset` (`"olmo-tiny"`, `"olmo-20m"`, ...) or explicit fields;
 * explicit fields override the preset. The vocabulary comes from the task.
 */
export interface OlmoSpec {
  /** The family. */
  kind: "olmo";
  /** A named size from `OLMO_PRESETS` in lib/models/olmo.ts. */
  preset?: string;
  /** Width of the residual stream. */
  modelDim?: number;
  /** Number of transformer blocks. */
  layers?: number;
  /** Number of attention heads; must divide `modelDim`. */
  heads?: number;
  /** Hidden width of the SwiGLU MLP (each of the gate and up projections). */
  mlpDim?: number;
  /** Whether the output head reuses the token embedding. */
  tieEmbeddings?: boolean;
}

/** The network of a run. */
export type ModelSpec = ResNetSpec | OlmoSpec;

/**
 * The learning-rate schedule of a run, by name of its factory in lib/mod.ts
 * (`"uba"`, `"cosine"`, `"constant"`, ...) and that factory's options.
 *
 * `totalSteps` is filled in from the run's `steps` when absent.
 *
 * @example
 * ```json
 * { "name": "uba", "options": { "peakLr": 0.1, "phi": 4 } }
 * ```
 */
export interface ScheduleSpec {
  /** The factory's name in lib/mod.ts. */
  name: string;
  /** The factory's options. */
  options: Record<string, unknown>;
}

/** The optimizer of a run; the update rules live in lib/engine. */
export interface OptimizerSpec {
  /** Which update rule. */
  name: "sgd" | "adam" | "adamw";
  /** Heavy-ball momentum of SGD. @default 0 */
  momentum?: number;
  /** Whether SGD uses Nesterov momentum. @default false */
  nesterov?: boolean;
  /**
   * Weight decay (L2 for SGD and Adam, decoupled for AdamW).
   * @default 0 for SGD and Adam, 0.01 for AdamW (PyTorch)
   */
  weightDecay?: number;
  /** First-moment decay of Adam and AdamW. @default 0.9 */
  beta1?: number;
  /** Second-moment decay of Adam and AdamW. @default 0.999 */
  beta2?: number;
  /** Denominator guard of Adam and AdamW. @default 1e-8 */
  epsilon?: number;
}

/** One training run, as plain JSON. */
export interface RunConfig {
  /** The dataset. */
  task: TaskName;
  /** The network. */
  model: ModelSpec;
  /** The optimizer. */
  optimizer: OptimizerSpec;
  /** The learning-rate schedule, driven by the 0-based step. */
  schedule: ScheduleSpec;
  /** The iteration budget: number of optimizer steps. */
  steps: number;
  /** Examples (vision) or sequences (language) per step. */
  batchSize: number;
  /** Characters per training sequence of a language task. @default 128 */
  sequenceLength?: number;
  /** Evaluate every this many steps, and always after the last one. */
  evalEvery: number;
  /**
   * Examples (vision) or sequences (language) of the validation split used
   * per evaluation; `undefined` means the whole split.
   */
  evalExamples?: number;
  /** Which held-out split the metric is measured on. @default "validation" */
  evalSplit?: "validation" | "test";
  /** Seed of initialisation, data order and augmentation. @default 0 */
  seed?: number;
  /** Global gradient-norm clip; `undefined` means no clipping. */
  gradClip?: number;
  /** Write a checkpoint every this many steps (needs a checkpoint folder). */
  checkpointEvery?: number;
  /**
   * The backend; `undefined` keeps the active tfjs backend, or starts
   * `"wasm"` when none is active yet.
   */
  backend?: BackendName;
  /**
   * Where datasets live; `undefined` means `UBA_DATA_DIR`, then the cache
   * folder, then the embedded subset (Fashion-MNIST only).
   */
  dataDir?: string;
  /** Use only the first this many training examples (smoke runs). */
  trainExamples?: number;
  /** Random crop (pad 4) and horizontal flip on CIFAR. @default true */
  augment?: boolean;
}

/** What a run measures on its held-out split. */
export type MetricName = "accuracy" | "validationLoss";

/** One evaluation of a run. */
export interface CurvePoint {
  /** Optimizer steps completed when the evaluation ran. */
  step: number;
  /** Mean training loss over the steps since the previous evaluation. */
  loss: number;
  /** Mean cross-entropy on the evaluation split. */
  evalLoss: number;
  /** Accuracy (vision, in [0, 1]) or the evaluation loss (language). */
  metric: number;
  /** `exp(evalLoss)`; reported for language runs, `undefined` otherwise. */
  perplexity?: number;
  /** The learning rate of the last step taken. */
  lr: number;
}

/** The outcome of {@linkcode RunConfig} trained to its end or to divergence. */
export interface RunResult {
  /** The metric of the last evaluation; NaN when the run diverged first. */
  finalMetric: number;
  /** The best metric of all evaluations (max accuracy, min loss). */
  bestMetric: number;
  /** Which metric `finalMetric` and `bestMetric` hold. */
  metricName: MetricName;
  /** Whether larger metric values are better. */
  higherIsBetter: boolean;
  /** Perplexity of the last evaluation (language runs only). */
  finalPerplexity?: number;
  /** Every evaluation, in step order (resumed runs include earlier ones). */
  curve: CurvePoint[];
  /** True when a loss became NaN or infinite and the run stopped there. */
  diverged: boolean;
  /** The step at which divergence was detected, when it was. */
  divergedAtStep?: number;
  /** True when the run stopped early because the abort signal fired. */
  aborted: boolean;
  /** Wall-clock time of this call in milliseconds (excludes earlier parts). */
  wallMs: number;
  /** Optimizer steps completed in total. */
  steps: number;
  /** The step this call resumed from (0 for a fresh run). */
  resumedFromStep: number;
  /** Number of trainable parameters of the model. */
  parameterCount: number;
  /** The backend the run used. */
  backend: string;
}

/** A progress event after each optimizer step. */
export interface StepEvent {
  /** The event kind. */
  type: "step";
  /** Optimizer steps completed. */
  step: number;
  /** The step budget. */
  totalSteps: number;
  /** Training loss of this step. */
  loss: number;
  /** Learning rate used by this step. */
  lr: number;
  /** Smoothed wall time per step in milliseconds. */
  msPerStep: number;
  /** Estimated time to the end of the budget in milliseconds. */
  etaMs: number;
}

/** A progress event after each evaluation. */
export interface EvalEvent extends CurvePoint {
  /** The event kind. */
  type: "eval";
  /** The step budget. */
  totalSteps: number;
  /** Smoothed wall time per step in milliseconds. */
  msPerStep: number;
  /** The metric's name. */
  metricName: MetricName;
}

/** A progress event after a checkpoint was written. */
export interface CheckpointEvent {
  /** The event kind. */
  type: "checkpoint";
  /** Optimizer steps completed when it was written. */
  step: number;
  /** The checkpoint file. */
  path: string;
}

/** A progress event when the loss stopped being finite. */
export interface DivergedEvent {
  /** The event kind. */
  type: "diverged";
  /** The 0-based step whose loss was not finite (no update was applied). */
  step: number;
  /** The non-finite loss. */
  loss: number;
  /** The learning rate that step would have used. */
  lr: number;
}

/** Everything the loop reports while it runs. */
export type ProgressEvent =
  | StepEvent
  | EvalEvent
  | CheckpointEvent
  | DivergedEvent;

/** Options of `trainRun` that are not part of the JSON config. */
export interface TrainRunOptions {
  /** Receives every progress event, synchronously, in order. */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Folder for checkpoints. When it holds a checkpoint of the same config,
   * the run resumes from it.
   */
  checkpointDir?: string;
  /** Stops the run after the current step; the result has `aborted: true`. */
  signal?: AbortSignal;
}
