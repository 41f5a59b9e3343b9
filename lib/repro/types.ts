/**
 * Plain-JSON types of the reproduction: one {@linkcode RunSpec} per training
 * run of a sweep, and the {@linkcode RunRecord} that the runner appends to a
 * results file when that run finishes.
 *
 * @module
 */
import type {
  CurvePoint,
  MetricName,
  RunConfig,
  ScheduleSpec,
} from "../train/types.ts";

/** The experiment suites. `quadratic` is the cheap theory check. */
export type SuiteName = "vision" | "language" | "quadratic";

/** The sizes a suite comes in. */
export type ProfileName = "smoke" | "cpu" | "paper";

/**
 * SGD on a noisy quadratic, the setting in which the UBA formula is min-max
 * optimal: `f(x) = 1/2 sum_i lambda_i x_i^2` with eigenvalues `lambda_i`
 * spread log-uniformly over `[mu, L]`, and gradients `lambda_i x_i +
 * noise * xi_i` with `xi_i` standard normal.
 */
export interface QuadraticConfig {
  task: "quadratic";
  /** Number of coordinates. */
  dimension: number;
  /** Smallest curvature mu. */
  mu: number;
  /** Largest curvature L. */
  L: number;
  /** Standard deviation of the gradient noise. */
  noise: number;
  /** Heavy-ball momentum. @default 0 */
  momentum?: number;
  /** The learning-rate schedule; `totalSteps` defaults to `steps`. */
  schedule: ScheduleSpec;
  /** The iteration budget. */
  steps: number;
  /** Evaluate every this many steps, and always after the last one. */
  evalEvery: number;
  /** Write a checkpoint every this many steps. @default evalEvery */
  checkpointEvery?: number;
  /** Seed of the starting point and the noise. @default 0 */
  seed?: number;
  /**
   * Sleep this long after every step, which makes a tiny run last long
   * enough to be interrupted mid-way (used to test resumption). @default 0
   */
  stepDelayMs?: number;
}

/** Which schedule of a comparison a run belongs to. */
export interface ScheduleLabel {
  /**
   * The label in tables: `"uba"` for UBA at the guideline's phi,
   * `"uba(phi=4)"` for the phi grid, otherwise the factory's name.
   */
  schedule: string;
  /** The factory's name in lib/mod.ts (`"uba"`, `"cosine"`, ...). */
  family: string;
  /** UBA's phi, for UBA runs. */
  phi?: number;
  /** Whether a UBA run uses the guideline's phi or a grid value. */
  phiSource?: "guideline" | "grid";
}

/** One run of a sweep, before it runs. */
export interface RunSpec extends ScheduleLabel {
  /** The suite it belongs to. */
  suite: SuiteName;
  /** The profile that produced it. */
  profile: ProfileName;
  /** The dataset (`"quadratic"` for the theory check). */
  task: string;
  /** The budget's name: `"short"`, `"medium"`, `"long"`. */
  budget: string;
  /** Peak learning rate of the schedule. */
  peakLr: number;
  /** Seed. */
  seed: number;
  /** What trains it: the tfjs loop (lib/train) or the quadratic model. */
  trainer: "tfjs" | "quadratic";
  /** The complete training config; its hash identifies the run. */
  config: RunConfig | QuadraticConfig;
  /** `configHash(config)`. */
  configHash: string;
}

/** Versions and machine facts stored with every finished run. */
export interface RunManifest {
  /** `git rev-parse HEAD` of the kit, or `"unknown"`. */
  gitCommit: string;
  /** Whether the working tree had uncommitted changes. */
  gitDirty: boolean;
  /** Deno, V8 and TypeScript versions. */
  deno: string;
  v8: string;
  typescript: string;
  /** tfjs-core version, for tfjs runs. */
  tfjs?: string;
  /** The tfjs backend used (`"cpu"`, `"wasm"`, `"webgpu"`), or `"js"`. */
  backend: string;
  /** The WebGPU adapter's description, when the backend is webgpu. */
  adapter?: string;
  /** `Deno.build.target`. */
  target: string;
  /** Logical CPUs of the machine. */
  cpus: number;
  /** ISO time the final attempt started and the run finished. */
  startedAt: string;
  finishedAt: string;
  /** Step the final attempt resumed from (0 when it ran from the start). */
  resumedFromStep: number;
  /** Trainable parameters of the model. */
  parameterCount: number;
}

/** One line of a results file: a finished run. */
export interface RunRecord extends ScheduleLabel {
  suite: SuiteName;
  profile: ProfileName;
  task: string;
  budget: string;
  /** Optimizer steps of the budget. */
  steps: number;
  peakLr: number;
  seed: number;
  /** Final value of the metric; `null` when the run diverged. */
  metric: number | null;
  metricName: MetricName;
  higherIsBetter: boolean;
  /** Best value over the evaluations; `null` when there was none. */
  bestMetric: number | null;
  /** Final validation perplexity of language runs. */
  perplexity?: number | null;
  /**
   * The metric of a model that learned nothing (chance accuracy, or the
   * loss of a uniform prediction), used in place of the metric of a
   * diverged run when runs are compared.
   */
  chanceMetric: number;
  diverged: boolean;
  divergedAtStep?: number;
  configHash: string;
  config: RunConfig | QuadraticConfig;
  /** Wall time of the final attempt in milliseconds. */
  wallMs: number;
  /** The evaluations, in step order (including those before a resume). */
  curve: CurvePoint[];
  manifest: RunManifest;
}
