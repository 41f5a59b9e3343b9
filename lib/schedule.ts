/**
 * The {@linkcode Schedule} type shared by every learning-rate schedule of the
 * kit, and {@linkcode defineSchedule}, which turns a plain rate formula into
 * one.
 *
 * @module
 */

/**
 * A learning-rate schedule: a pure function of the 0-based optimizer step.
 *
 * It keeps no hidden state, so resuming a run at step `k` is calling it with
 * `k`. Steps past `totalSteps` return the value at `totalSteps`. A negative,
 * fractional or non-finite step throws a RangeError.
 */
export interface Schedule {
  /** The learning rate at the given 0-based step. */
  (step: number): number;
  /** A short, human-readable name such as `"uba(phi=4)"`. */
  readonly name: string;
  /** The step budget, or `undefined` for schedules with no end. */
  readonly totalSteps: number | undefined;
}

/**
 * Wraps `rate` into a {@linkcode Schedule}: validates the step, clamps it to
 * `totalSteps` when that is defined, and attaches `name` and `totalSteps`.
 *
 * @param name The schedule's display name.
 * @param totalSteps The step budget, or `undefined` for an unbounded schedule.
 * @param rate The rate formula, called with a valid, clamped integer step.
 * @returns The schedule.
 *
 * @example Define a halving schedule
 * ```ts
 * import { defineSchedule } from "./schedule.ts";
 *
 * const halving = defineSchedule("halving", undefined, (t) => 2 ** -t);
 * if (halving(3) !== 0.125) throw new Error("unexpected rate");
 * ```
 */
export function defineSchedule(
  name: string,
  totalSteps: number | undefined,
  rate: (step: number) => number,
): Schedule {
  const last = totalSteps ?? Infinity;
  const schedule = (step: number): number => {
    if (!Number.isInteger(step) || step < 0) {
      throw new RangeError(
        `Cannot evaluate ${name} as step must be an integer >= 0: current value is ${step}`,
      );
    }
    return rate(step < last ? step : last);
  };
  Object.defineProperty(schedule, "name", { value: name });
  Object.defineProperty(schedule, "totalSteps", {
    value: totalSteps,
    enumerable: true,
  });
  return schedule as Schedule;
}
