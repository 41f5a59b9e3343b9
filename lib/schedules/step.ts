import {
  requireInRange,
  requireInteger,
  requireNonNegative,
  requireOptions,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";

const GAMMA_RANGE = { low: 0, high: 1, lowOpen: true } as const;

/** Options of {@linkcode stepDecay}. */
export interface StepDecayOptions {
  /** Rate at step 0. */
  peakLr: number;
  /** Steps between two decays, an integer >= 1. */
  stepSize: number;
  /** Factor applied at every decay, in (0, 1]. @default {0.1} */
  gamma?: number;
}

/**
 * Step decay, PyTorch's `StepLR(step_size=stepSize, gamma=gamma)`, unbounded.
 *
 * ```text
 * lr(t) = peakLr * gamma^floor(t / stepSize)
 * ```
 * Step 0 gives `peakLr`; the first drop is at step `stepSize`.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `stepDecay`.
 * @throws {RangeError} If `stepSize` is not an integer >= 1, `gamma` lies
 * outside (0, 1], or `peakLr` is negative or not finite.
 *
 * @example
 * ```ts
 * import { stepDecay } from "./step.ts";
 *
 * const lr = stepDecay({ peakLr: 1, stepSize: 30, gamma: 0.5 });
 * if (lr(29) !== 1 || lr(30) !== 0.5) throw new Error("wrong drop");
 * ```
 */
export function stepDecay(options: StepDecayOptions): Schedule {
  const action = "create stepDecay schedule";
  requireOptions(action, options);
  const { peakLr, stepSize, gamma = 0.1 } = options;
  requireNonNegative(action, "peakLr", peakLr);
  requireInteger(action, "stepSize", stepSize, 1);
  requireInRange(action, "gamma", gamma, GAMMA_RANGE);
  return defineSchedule(
    "stepDecay",
    undefined,
    (t) => peakLr * gamma ** Math.floor(t / stepSize),
  );
}

/** Options of {@linkcode multiStep}. */
export interface MultiStepOptions {
  /** Rate at step 0. */
  peakLr: number;
  /** Steps at which the rate drops: strictly increasing integers >= 1. */
  milestones: readonly number[];
  /** Factor applied at every milestone, in (0, 1]. @default {0.1} */
  gamma?: number;
}

/**
 * Drops at chosen steps, PyTorch's `MultiStepLR(milestones, gamma)`, unbounded.
 *
 * ```text
 * lr(t) = peakLr * gamma^(number of milestones m with m <= t)
 * ```
 *
 * @param options The schedule's options.
 * @returns The schedule, named `multiStep`.
 * @throws {RangeError} If the milestones are not strictly increasing
 * integers >= 1, `gamma` lies outside (0, 1], or `peakLr` is negative or not
 * finite.
 * @throws {TypeError} If `milestones` is not an array.
 *
 * @example
 * ```ts
 * import { multiStep } from "./step.ts";
 *
 * const lr = multiStep({ peakLr: 1, milestones: [10, 20], gamma: 0.5 });
 * if (lr(9) !== 1 || lr(10) !== 0.5 || lr(25) !== 0.25) throw new Error();
 * ```
 */
export function multiStep(options: MultiStepOptions): Schedule {
  const action = "create multiStep schedule";
  requireOptions(action, options);
  const { peakLr, milestones, gamma = 0.1 } = options;
  requireNonNegative(action, "peakLr", peakLr);
  if (!Array.isArray(milestones)) {
    throw new TypeError(
      `Cannot ${action} as milestones must be an array: current value is ${milestones}`,
    );
  }
  milestones.forEach((m, i) => {
    requireInteger(action, `milestones[${i}]`, m, 1);
    if (i > 0 && m <= milestones[i - 1]) {
      throw new RangeError(
        `Cannot ${action} as milestones must be strictly increasing: current value is [${milestones}]`,
      );
    }
  });
  requireInRange(action, "gamma", gamma, GAMMA_RANGE);
  const drops = Float64Array.from(milestones);
  return defineSchedule("multiStep", undefined, (t) => {
    let passed = 0;
    while (passed < drops.length && drops[passed] <= t) passed++;
    return peakLr * gamma ** passed;
  });
}

/** Options of {@linkcode exponential}. */
export interface ExponentialOptions {
  /** Rate at step 0. */
  peakLr: number;
  /** Factor applied at every step, in (0, 1]. */
  gamma: number;
}

/**
 * Exponential decay, PyTorch's `ExponentialLR(gamma)`, unbounded.
 *
 * ```text
 * lr(t) = peakLr * gamma^t
 * ```
 *
 * @param options The schedule's options.
 * @returns The schedule, named `exponential`.
 * @throws {RangeError} If `gamma` lies outside (0, 1] or `peakLr` is
 * negative or not finite.
 *
 * @example
 * ```ts
 * import { exponential } from "./step.ts";
 *
 * const lr = exponential({ peakLr: 1, gamma: 0.5 });
 * if (lr(3) !== 0.125) throw new Error("wrong decay");
 * ```
 */
export function exponential(options: ExponentialOptions): Schedule {
  const action = "create exponential schedule";
  requireOptions(action, options);
  const { peakLr, gamma } = options;
  requireNonNegative(action, "peakLr", peakLr);
  requireInRange(action, "gamma", gamma, GAMMA_RANGE);
  return defineSchedule("exponential", undefined, (t) => peakLr * gamma ** t);
}
