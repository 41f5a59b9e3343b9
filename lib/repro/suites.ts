/**
 * The experiment suites and their profiles: which runs make up the
 * comparison of UBA with the common schedules, at three sizes.
 *
 * | suite | task | model | optimizer | metric |
 * |---|---|---|---|---|
 * | vision | Fashion-MNIST, the embedded 2,000-image subset (`smoke`, `cpu`); CIFAR-10 and CIFAR-100 (`paper`) | CIFAR-style ResNet | SGD, momentum 0.9, weight decay 5e-4 | accuracy |
 * | language | TinyShakespeare, characters | OLMo-style decoder | AdamW, weight decay 0.1 | validation loss (and perplexity) |
 * | quadratic | noisy quadratic, curvatures in [0.01, 1] | none | SGD | objective |
 *
 * Every suite compares, at every budget and seed: UBA at the guideline's phi
 * (`"uba"`), cosine, linear, step (drops by 10x at 50% and 75% of the
 * budget), OneCycle, WSD (the last 20% decays), REX and constant, each at
 * every peak learning rate of the suite's grid (fair tuning), plus UBA at
 * the phi grid (`"uba(phi=...)"`) at the shared peak. phi = 2 is left out of
 * the grid because it is cosine exactly.
 *
 * @module
 */
import type { RunConfig, ScheduleSpec } from "../train/types.ts";
import type { BackendName } from "../train/types.ts";
import { requireChoice } from "../_validate.ts";
import { type PhiRecommendation, recommendPhi } from "../mod.ts";
import { configHash } from "./config_hash.ts";
import type {
  ProfileName,
  QuadraticConfig,
  RunSpec,
  ScheduleLabel,
  SuiteName,
} from "./types.ts";

/** The suites {@linkcode expandSuite} knows. */
export const SUITES: readonly SuiteName[] = ["vision", "language", "quadratic"];

/** The profiles {@linkcode expandSuite} knows. */
export const PROFILES: readonly ProfileName[] = ["smoke", "cpu", "paper"];

/** The baselines every suite compares UBA with, by their table labels. */
export const BASELINES: readonly string[] = [
  "cosine",
  "linear",
  "step",
  "oneCycle",
  "wsd",
  "rex",
  "constant",
];

/** One task of a profile, with the training settings that do not vary. */
interface TaskPlan {
  /** Dataset name; `"quadratic"` for the theory check. */
  task: string;
  /** Everything of the run config except schedule, steps, seed. */
  base:
    | Omit<RunConfig, "schedule" | "steps" | "seed" | "evalEvery">
    | Omit<
      QuadraticConfig,
      "schedule" | "steps" | "seed" | "evalEvery"
    >;
}

/** What one suite runs at one profile. */
export interface ProfilePlan {
  /** The tasks (each gets the whole grid). */
  tasks: readonly TaskPlan[];
  /** Budget name to optimizer steps. */
  budgets: Readonly<Record<string, number>>;
  /** Evaluations per run (evenly spaced, the last one at the end). */
  evaluations: number;
  /** The peak learning rates every schedule is tried with. */
  peakLrs: readonly number[];
  /** The peak at which tables compare all schedules, and phi is swept. */
  sharedPeakLr: number;
  /** UBA's phi values beside the guideline's. */
  phiGrid: readonly number[];
  /**
   * The curvature model the guideline's phi is computed from (see
   * {@linkcode guidelinePhi}): the true range and gradient-noise variance
   * for the quadratic, an assumed condition number and noise for networks.
   */
  guideline: GuidelineModel;
  /** Seeds 0 .. seeds - 1. */
  seeds: number;
  /** Warmup as a fraction of the budget, for schedules that take one. */
  warmupFraction: number;
  /** Which trainer runs it. */
  trainer: "tfjs" | "quadratic";
  /** The tfjs backend unless the caller names one. */
  backend?: BackendName;
}

/**
 * The quadratic model behind a suite's guideline phi: curvatures as a
 * condition number `kappa` (range `[1, kappa]` at peak rate 1, that is, a
 * problem normalised so that the peak is `1 / L`) or as a known `[mu, L]`
 * at the suite's shared peak, and the gradient-noise variance per direction.
 */
export interface GuidelineModel {
  /** Condition number of the assumed curvature range `[1, kappa]`. */
  kappa?: number;
  /** Smallest and largest curvature of a known range. */
  mu?: number;
  L?: number;
  /** Gradient-noise variance per eigen-direction. */
  noise: number;
  /** Whether the model is the problem's own (true) or an assumption. */
  assumed: boolean;
}

/**
 * The assumed curvature model of the network suites: a condition number of
 * 100 and noise variance 0.01 relative to a unit initial error at peak rate
 * `1 / L`. Networks' curvature is not measured in these profiles, so this is
 * a stated prior, fixed before any run of the comparison; notebook 05 checks
 * how far the guideline's phi lands from the empirically best one.
 */
export const ASSUMED_NETWORK_MODEL: GuidelineModel = {
  kappa: 100,
  noise: 0.01,
  assumed: true,
};

const VISION_OPTIMIZER = {
  name: "sgd",
  momentum: 0.9,
  weightDecay: 5e-4,
} as const;
const LANGUAGE_OPTIMIZER = {
  name: "adamw",
  beta1: 0.9,
  beta2: 0.95,
  weightDecay: 0.1,
} as const;

/**
 * The profile tables. Sizes of `cpu` were chosen so that the whole
 * comparison fits in well under an hour on two cores (see the README for
 * the measured time); `paper` follows the paper's setting (ResNet-18 on
 * CIFAR, a 20M-parameter OLMo-style model) and needs the webgpu backend on
 * a GPU.
 */
export const PLANS: Readonly<
  Record<SuiteName, Record<ProfileName, ProfilePlan>>
> = {
  vision: {
    smoke: {
      tasks: [{
        task: "fashion-mnist-mini",
        base: {
          task: "fashion-mnist-mini",
          model: { kind: "resnet", preset: "resnet-tiny" },
          optimizer: VISION_OPTIMIZER,
          batchSize: 16,
          evalExamples: 200,
        },
      }],
      budgets: { short: 20 },
      evaluations: 2,
      peakLrs: [0.1],
      sharedPeakLr: 0.1,
      phiGrid: [0.5, 8],
      guideline: ASSUMED_NETWORK_MODEL,
      seeds: 1,
      warmupFraction: 0,
      trainer: "tfjs",
    },
    cpu: {
      tasks: [{
        task: "fashion-mnist-mini",
        base: {
          task: "fashion-mnist-mini",
          model: { kind: "resnet", preset: "resnet-tiny" },
          optimizer: VISION_OPTIMIZER,
          batchSize: 32,
          evalExamples: 500,
        },
      }],
      budgets: { short: 30, medium: 60, long: 120 },
      evaluations: 4,
      peakLrs: [0.05, 0.1, 0.2],
      sharedPeakLr: 0.1,
      phiGrid: [0.5, 1, 4, 8],
      guideline: ASSUMED_NETWORK_MODEL,
      seeds: 3,
      warmupFraction: 0,
      trainer: "tfjs",
    },
    paper: {
      tasks: ["cifar10", "cifar100"].map((task) => ({
        task,
        base: {
          task: task as "cifar10" | "cifar100",
          model: { kind: "resnet" as const, preset: "resnet18" },
          optimizer: VISION_OPTIMIZER,
          batchSize: 128,
          augment: true,
          checkpointEvery: 1000,
        },
      })),
      // 391 steps make one epoch of CIFAR at batch 128: 25, 50, 100 epochs.
      budgets: { short: 9775, medium: 19550, long: 39100 },
      evaluations: 10,
      peakLrs: [0.05, 0.1, 0.2],
      sharedPeakLr: 0.1,
      phiGrid: [0.5, 1, 4, 8],
      guideline: ASSUMED_NETWORK_MODEL,
      seeds: 3,
      warmupFraction: 0,
      trainer: "tfjs",
      backend: "webgpu",
    },
  },
  language: {
    smoke: {
      tasks: [{
        task: "tinyshakespeare",
        base: {
          task: "tinyshakespeare",
          model: { kind: "olmo", preset: "olmo-tiny", layers: 1, modelDim: 32 },
          optimizer: LANGUAGE_OPTIMIZER,
          batchSize: 8,
          sequenceLength: 32,
          evalExamples: 16,
          gradClip: 1,
        },
      }],
      budgets: { short: 20 },
      evaluations: 2,
      peakLrs: [3e-3],
      sharedPeakLr: 3e-3,
      phiGrid: [0.5, 8],
      guideline: ASSUMED_NETWORK_MODEL,
      seeds: 1,
      warmupFraction: 0.05,
      trainer: "tfjs",
    },
    cpu: {
      tasks: [{
        task: "tinyshakespeare",
        base: {
          task: "tinyshakespeare",
          model: {
            kind: "olmo",
            preset: "olmo-tiny",
            modelDim: 48,
            layers: 2,
            heads: 4,
          },
          optimizer: LANGUAGE_OPTIMIZER,
          batchSize: 16,
          sequenceLength: 48,
          evalExamples: 128,
          gradClip: 1,
        },
      }],
      budgets: { short: 30, medium: 60, long: 120 },
      evaluations: 4,
      peakLrs: [1e-3, 3e-3, 1e-2],
      sharedPeakLr: 3e-3,
      phiGrid: [0.5, 1, 4, 8],
      guideline: ASSUMED_NETWORK_MODEL,
      seeds: 3,
      warmupFraction: 0.05,
      trainer: "tfjs",
    },
    paper: {
      tasks: [{
        task: "tinyshakespeare",
        base: {
          task: "tinyshakespeare",
          model: { kind: "olmo", preset: "olmo-20m" },
          optimizer: LANGUAGE_OPTIMIZER,
          batchSize: 64,
          sequenceLength: 256,
          evalExamples: 512,
          gradClip: 1,
          checkpointEvery: 500,
        },
      }],
      budgets: { short: 2000, medium: 5000, long: 10000 },
      evaluations: 20,
      peakLrs: [3e-4, 1e-3, 3e-3],
      sharedPeakLr: 1e-3,
      phiGrid: [0.5, 1, 4, 8],
      guideline: ASSUMED_NETWORK_MODEL,
      seeds: 3,
      warmupFraction: 0.05,
      trainer: "tfjs",
      backend: "webgpu",
    },
  },
  quadratic: {
    smoke: {
      tasks: [{
        task: "quadratic",
        base: { task: "quadratic", dimension: 50, mu: 0.01, L: 1, noise: 0.02 },
      }],
      budgets: { short: 100 },
      evaluations: 4,
      peakLrs: [1],
      sharedPeakLr: 1,
      phiGrid: [0.5, 8],
      guideline: { mu: 0.01, L: 1, noise: 0.02 ** 2, assumed: false },
      seeds: 2,
      warmupFraction: 0,
      trainer: "quadratic",
    },
    cpu: {
      tasks: [{
        task: "quadratic",
        base: {
          task: "quadratic",
          dimension: 200,
          mu: 0.01,
          L: 1,
          noise: 0.02,
        },
      }],
      budgets: { short: 100, medium: 300, long: 1000 },
      evaluations: 10,
      peakLrs: [0.5, 1, 1.5],
      sharedPeakLr: 1,
      phiGrid: [0.5, 1, 4, 8, 16],
      guideline: { mu: 0.01, L: 1, noise: 0.02 ** 2, assumed: false },
      seeds: 5,
      warmupFraction: 0,
      trainer: "quadratic",
    },
    paper: {
      tasks: [{
        task: "quadratic",
        base: {
          task: "quadratic",
          dimension: 1000,
          mu: 0.001,
          L: 1,
          noise: 0.02,
        },
      }],
      budgets: { short: 1000, medium: 3000, long: 10000 },
      evaluations: 20,
      peakLrs: [0.5, 1, 1.5],
      sharedPeakLr: 1,
      phiGrid: [0.5, 1, 4, 8, 16, 32],
      guideline: { mu: 0.001, L: 1, noise: 0.02 ** 2, assumed: false },
      seeds: 10,
      warmupFraction: 0,
      trainer: "quadratic",
    },
  },
};

/**
 * The schedule spec of a table label at a peak rate and budget.
 *
 * @param label `"uba"`, `"cosine"`, ... (see {@linkcode BASELINES}).
 * @param peakLr The peak rate.
 * @param steps The budget.
 * @param warmupSteps Warmup for the schedules that take one.
 * @param phi UBA's phi.
 * @returns The name and options for lib/mod.ts's factory.
 * @throws {TypeError} If the label is unknown.
 */
export function scheduleSpecFor(
  label: string,
  peakLr: number,
  steps: number,
  warmupSteps: number,
  phi?: number,
): ScheduleSpec {
  const decay = { peakLr, minLr: 0, totalSteps: steps, warmupSteps };
  switch (label) {
    case "uba":
      return { name: "uba", options: { ...decay, phi } };
    case "cosine":
    case "linear":
    case "rex":
      return { name: label, options: decay };
    case "wsd":
      return {
        name: "wsd",
        options: {
          ...decay,
          decaySteps: Math.max(1, Math.round(0.2 * steps)),
          decay: "linear",
        },
      };
    case "step":
      return {
        name: "multiStep",
        options: {
          peakLr,
          milestones: [
            Math.max(1, Math.round(0.5 * steps)),
            Math.max(2, Math.round(0.75 * steps)),
          ],
          gamma: 0.1,
        },
      };
    case "oneCycle":
      return {
        name: "oneCycle",
        options: { maxLr: peakLr, totalSteps: steps },
      };
    case "constant":
      return { name: "constant", options: { lr: peakLr, totalSteps: steps } };
  }
  throw new TypeError(
    `Cannot build a schedule spec as label must be one of "uba", ${
      BASELINES.map((name) => JSON.stringify(name)).join(", ")
    }: current value is ${JSON.stringify(label)}`,
  );
}

/**
 * The guideline's phi for one budget of a suite: lib/theory's
 * `recommendPhi` applied to the suite's {@linkcode GuidelineModel}.
 *
 * ```text
 * phi* = argmin_phi E f(x_T; uba(phi))   on the model's quadratic
 * ```
 *
 * @param suite The suite.
 * @param profile The profile.
 * @param steps The budget T.
 * @returns The recommendation, its `phi` rounded to 3 significant digits.
 *
 * @example The quadratic's guideline at the smoke budget
 * ```ts
 * import { guidelinePhi } from "./suites.ts";
 *
 * const { phi } = guidelinePhi("quadratic", "smoke", 100);
 * if (!(phi > 0)) throw new Error("unexpected");
 * ```
 */
export function guidelinePhi(
  suite: SuiteName,
  profile: ProfileName,
  steps: number,
): PhiRecommendation {
  const plan = PLANS[suite][profile];
  const { kappa, mu, L, noise } = plan.guideline;
  const recommendation = kappa !== undefined
    ? recommendPhi({ kappa, noise, totalSteps: steps })
    : recommendPhi({
      mu,
      L,
      noise,
      totalSteps: steps,
      peakLr: plan.sharedPeakLr,
    });
  return { ...recommendation, phi: Number(recommendation.phi.toPrecision(3)) };
}

/** Options of {@linkcode expandSuite}. */
export interface ExpandOptions {
  /**
   * The tfjs backend of every run.
   * @default {the profile's (webgpu at `paper`), else tfjs's choice}
   */
  backend?: BackendName;
  /** Overrides the profile's number of seeds. */
  seeds?: number;
  /** Overrides the guideline's phi at every budget. */
  guidelinePhi?: number;
}

/**
 * Expands a suite at a profile into its runs: every task, budget and seed
 * crossed with every schedule at every peak of the grid, plus the phi grid
 * at the shared peak. Runs are ordered seed-major, so that an interrupted
 * sweep has whole seeds of every schedule rather than every seed of a few.
 *
 * @param suite `"vision"`, `"language"` or `"quadratic"`.
 * @param profile `"smoke"`, `"cpu"` or `"paper"`.
 * @param options See {@linkcode ExpandOptions}.
 * @returns The runs, without duplicates.
 * @throws {TypeError} If the suite or the profile is unknown.
 *
 * @example The quadratic smoke grid
 * ```ts
 * import { expandSuite } from "./suites.ts";
 *
 * const specs = expandSuite("quadratic", "smoke");
 * // (8 schedules at 1 peak + 2 phi values) x 1 budget x 2 seeds
 * if (specs.length !== 20) throw new Error(`unexpected ${specs.length}`);
 * ```
 */
export function expandSuite(
  suite: SuiteName,
  profile: ProfileName,
  options: ExpandOptions = {},
): RunSpec[] {
  requireChoice("expand a suite", "suite", suite, SUITES);
  requireChoice("expand a suite", "profile", profile, PROFILES);
  const plan = PLANS[suite][profile];
  const seeds = options.seeds ?? plan.seeds;
  const phiByBudget = new Map(
    Object.entries(plan.budgets).map(([budget, steps]) => [
      budget,
      options.guidelinePhi ?? guidelinePhi(suite, profile, steps).phi,
    ]),
  );
  const specs = new Map<string, RunSpec>();
  for (let seed = 0; seed < seeds; seed++) {
    for (const { task, base } of plan.tasks) {
      for (const [budget, steps] of Object.entries(plan.budgets)) {
        const warmupSteps = Math.round(plan.warmupFraction * steps);
        const evalEvery = Math.max(1, Math.round(steps / plan.evaluations));
        const phi = phiByBudget.get(budget)!;
        const entries: [ScheduleLabel, number][] = [];
        for (const peakLr of plan.peakLrs) {
          entries.push([{
            schedule: "uba",
            family: "uba",
            phi,
            phiSource: "guideline",
          }, peakLr]);
          for (const label of BASELINES) {
            entries.push([{ schedule: label, family: label }, peakLr]);
          }
        }
        for (const phi of plan.phiGrid) {
          entries.push([{
            schedule: `uba(phi=${phi})`,
            family: "uba",
            phi,
            phiSource: "grid",
          }, plan.sharedPeakLr]);
        }
        for (const [label, peakLr] of entries) {
          const schedule = scheduleSpecFor(
            label.family,
            peakLr,
            steps,
            warmupSteps,
            label.phi,
          );
          const config = {
            ...base,
            schedule,
            steps,
            evalEvery,
            seed,
            // Checkpoint at every evaluation unless the plan says otherwise,
            // so that an interrupted run loses at most one interval.
            ...(plan.trainer === "tfjs"
              ? { checkpointEvery: base.checkpointEvery ?? evalEvery }
              : {}),
            ...(plan.trainer === "tfjs" &&
                (options.backend ?? plan.backend) !== undefined
              ? { backend: options.backend ?? plan.backend }
              : {}),
          } as RunConfig | QuadraticConfig;
          const hash = configHash(config);
          if (specs.has(hash)) continue; // the guideline's phi is in the grid
          specs.set(hash, {
            ...label,
            suite,
            profile,
            task,
            budget,
            peakLr,
            seed,
            trainer: plan.trainer,
            config,
            configHash: hash,
          });
        }
      }
    }
  }
  return [...specs.values()];
}
