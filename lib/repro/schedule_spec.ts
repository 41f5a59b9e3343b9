/**
 * Turns a plain-JSON {@linkcode ScheduleSpec} (a factory name from
 * lib/mod.ts and its options) into a {@linkcode Schedule}.
 *
 * @module
 */
import type { Schedule } from "../schedule.ts";
import type { ScheduleSpec } from "../train/types.ts";
import * as schedules from "../mod.ts";
import { requireInteger } from "../_validate.ts";

type Factory = (options: never) => Schedule;

/** The factories a spec may name, by their lib/mod.ts names. */
const FACTORIES: Readonly<Record<string, Factory>> = {
  uba: schedules.uba,
  cosine: schedules.cosine,
  linear: schedules.linear,
  polynomial: schedules.polynomial,
  stepDecay: schedules.stepDecay,
  multiStep: schedules.multiStep,
  exponential: schedules.exponential,
  oneCycle: schedules.oneCycle,
  wsd: schedules.wsd,
  rex: schedules.rex,
  constant: schedules.constant,
  inverseSqrt: schedules.inverseSqrt,
  cosineRestarts: schedules.cosineRestarts,
};

/** Factories with no budget, which take no `totalSteps`. */
const UNBOUNDED = [
  "stepDecay",
  "multiStep",
  "exponential",
  "inverseSqrt",
  "cosineRestarts",
];

/** The factory names {@linkcode scheduleFromSpec} accepts. */
export const SCHEDULE_NAMES: readonly string[] = Object.keys(FACTORIES);

/**
 * Builds the schedule a spec describes. Factories that take a budget get
 * `totalSteps = steps` unless the spec sets it.
 *
 * @param spec The factory's name and options.
 * @param steps The run's iteration budget.
 * @returns The schedule.
 * @throws {TypeError} If the name is not one of {@linkcode SCHEDULE_NAMES}.
 * @throws {RangeError} If `steps` is not a positive integer, or as the
 * factory throws for its options.
 *
 * @example
 * ```ts
 * import { scheduleFromSpec } from "./schedule_spec.ts";
 *
 * const lr = scheduleFromSpec({ name: "uba", options: { peakLr: 1, phi: 2 } }, 10);
 * if (lr(10) !== 0 || lr(0) !== 1) throw new Error("unexpected");
 * ```
 */
export function scheduleFromSpec(spec: ScheduleSpec, steps: number): Schedule {
  requireInteger("build a schedule", "steps", steps, 1);
  const factory = FACTORIES[spec.name];
  if (factory === undefined) {
    throw new TypeError(
      `Cannot build a schedule as its name must be one of ${
        SCHEDULE_NAMES.join(", ")
      }: current value is ${JSON.stringify(spec.name)}`,
    );
  }
  const takesBudget = !UNBOUNDED.includes(spec.name);
  const options = takesBudget
    ? { totalSteps: steps, ...spec.options }
    : { ...spec.options };
  return factory(options as never);
}
