import {
  requireChoice,
  requireInteger,
  requireNonNegative,
  requireOptions,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";

function requireSchedule(action: string, option: string, value: unknown) {
  if (typeof value !== "function" || !("totalSteps" in value)) {
    throw new TypeError(
      `Cannot ${action} as ${option} must be a Schedule: current value is ${
        String(value)
      }`,
    );
  }
}

/** Options of {@linkcode withWarmup}. */
export interface WarmupOptions {
  /** Number of warmup steps W, an integer >= 0. */
  steps: number;
  /** Rate at step 0. @default {0} */
  initLr?: number;
  /** Ramp linearly to the schedule's first rate, or hold `initLr`. @default {"linear"} */
  kind?: "linear" | "constant";
}

/**
 * Prepends a warmup of `steps` steps to a schedule, which then runs from its
 * own step 0.
 *
 * ```text
 * t < W:   lr = initLr + (s(0) - initLr) * t / W   (linear)
 *          lr = initLr                              (constant)
 * t >= W:  lr = s(t - W)
 * ```
 * Step `W` gives `s(0)`. The budget grows by `W` when `s` has one.
 *
 * @param schedule The schedule `s` that follows the warmup.
 * @param options The warmup's options.
 * @returns The schedule, named `warmup(<s.name>)`.
 * @throws {RangeError} If `steps` is not an integer >= 0 or `initLr` is
 * negative or not finite.
 * @throws {TypeError} If `schedule` is not a Schedule or `kind` is unknown.
 *
 * @example
 * ```ts
 * import { constant } from "./constant.ts";
 * import { withWarmup } from "./combinators.ts";
 *
 * const lr = withWarmup(constant({ lr: 1 }), { steps: 4 });
 * if (lr(2) !== 0.5 || lr(4) !== 1) throw new Error("wrong ramp");
 * ```
 */
export function withWarmup(
  schedule: Schedule,
  options: WarmupOptions,
): Schedule {
  const action = "add warmup";
  requireSchedule(action, "schedule", schedule);
  requireOptions(action, options);
  const { steps, initLr = 0, kind = "linear" } = options;
  requireInteger(action, "steps", steps, 0);
  requireNonNegative(action, "initLr", initLr);
  requireChoice(action, "kind", kind, ["linear", "constant"]);
  const target = schedule(0);
  const slope = kind === "linear" && steps > 0 ? (target - initLr) / steps : 0;
  const total = schedule.totalSteps === undefined
    ? undefined
    : schedule.totalSteps + steps;
  return defineSchedule(`warmup(${schedule.name})`, total, (t) => {
    if (t < steps) return initLr + slope * t;
    return schedule(t - steps);
  });
}

/**
 * Chains schedules: piece `i` runs from `boundaries[i - 1]` (0 for the first)
 * and sees steps counted from there, as `optax.join_schedules`.
 *
 * ```text
 * i     = number of boundaries b with b <= t
 * lr(t) = s_i(t - b_{i-1})        (b_{-1} = 0)
 * ```
 * At a boundary the next piece starts at its own step 0. The budget is the
 * last boundary plus the last piece's budget, or `undefined` if that piece
 * has none.
 *
 * @param schedules The pieces, at least one.
 * @param boundaries `schedules.length - 1` strictly increasing integers >= 1.
 * @returns The schedule, named `join(<names>)`.
 * @throws {RangeError} If the boundaries are not strictly increasing integers
 * >= 1 or their count does not match.
 * @throws {TypeError} If a piece is not a Schedule.
 *
 * @example
 * ```ts
 * import { constant } from "./constant.ts";
 * import { join } from "./combinators.ts";
 *
 * const lr = join([constant({ lr: 1 }), constant({ lr: 2 })], [10]);
 * if (lr(9) !== 1 || lr(10) !== 2) throw new Error("wrong boundary");
 * ```
 */
export function join(
  schedules: readonly Schedule[],
  boundaries: readonly number[],
): Schedule {
  const action = "join schedules";
  if (!Array.isArray(schedules) || schedules.length === 0) {
    throw new TypeError(
      `Cannot ${action} as schedules must be a non-empty array: current value is ${schedules}`,
    );
  }
  schedules.forEach((s, i) => requireSchedule(action, `schedules[${i}]`, s));
  if (!Array.isArray(boundaries)) {
    throw new TypeError(
      `Cannot ${action} as boundaries must be an array: current value is ${boundaries}`,
    );
  }
  if (boundaries.length !== schedules.length - 1) {
    throw new RangeError(
      `Cannot ${action} as boundaries must hold one entry fewer than schedules (${
        schedules.length - 1
      }): current length is ${boundaries.length}`,
    );
  }
  boundaries.forEach((b, i) => {
    requireInteger(action, `boundaries[${i}]`, b, 1);
    if (i > 0 && b <= boundaries[i - 1]) {
      throw new RangeError(
        `Cannot ${action} as boundaries must be strictly increasing: current value is [${boundaries}]`,
      );
    }
  });
  const pieces = [...schedules];
  const starts = [0, ...boundaries];
  const lastPiece = pieces[pieces.length - 1];
  const total = lastPiece.totalSteps === undefined
    ? undefined
    : starts[starts.length - 1] + lastPiece.totalSteps;
  return defineSchedule(
    `join(${pieces.map((s) => s.name).join(", ")})`,
    total,
    (t) => {
      let i = 0;
      while (i < boundaries.length && boundaries[i] <= t) i++;
      return pieces[i](t - starts[i]);
    },
  );
}

/**
 * A multi-stage schedule: one sub-schedule per stage, each built for its own
 * budget and restarted at its stage's first step.
 *
 * ```text
 * stage k covers steps [B_k, B_k + budgets[k]), B_k = budgets[0] + ... + budgets[k-1]
 * lr(t) = make(budgets[k], k)(t - B_k)
 * ```
 * The total budget is the sum of `budgets`.
 *
 * @param budgets Each stage's step budget, integers >= 1.
 * @param make Builds stage `k`'s schedule for its budget.
 * @returns The schedule, named `stages(<names>)`.
 * @throws {RangeError} If a budget is not an integer >= 1 or `make` returns a
 * schedule whose budget differs from the stage's.
 * @throws {TypeError} If `budgets` is empty or `make` returns no Schedule.
 *
 * @example Two cosine cycles of 100 and 200 steps
 * ```ts
 * import { cosine } from "./cosine.ts";
 * import { stages } from "./combinators.ts";
 *
 * const lr = stages([100, 200], (totalSteps) => cosine({ peakLr: 1, totalSteps }));
 * if (lr(100) !== 1 || lr.totalSteps !== 300) throw new Error("no restart");
 * ```
 */
export function stages(
  budgets: readonly number[],
  make: (budget: number, stage: number) => Schedule,
): Schedule {
  const action = "create stages schedule";
  if (!Array.isArray(budgets) || budgets.length === 0) {
    throw new TypeError(
      `Cannot ${action} as budgets must be a non-empty array: current value is ${budgets}`,
    );
  }
  budgets.forEach((b, i) => requireInteger(action, `budgets[${i}]`, b, 1));
  const pieces = budgets.map((budget, stage) => {
    const piece = make(budget, stage);
    requireSchedule(action, `make(${budget}, ${stage})`, piece);
    if (piece.totalSteps !== undefined && piece.totalSteps !== budget) {
      throw new RangeError(
        `Cannot ${action} as stage ${stage} must have totalSteps ${budget}: current value is ${piece.totalSteps}`,
      );
    }
    return piece;
  });
  const boundaries: number[] = [];
  let start = 0;
  for (const budget of budgets.slice(0, -1)) {
    start += budget;
    boundaries.push(start);
  }
  const joined = join(pieces, boundaries);
  const total = start + budgets[budgets.length - 1];
  return defineSchedule(
    `stages(${pieces.map((s) => s.name).join(", ")})`,
    total,
    joined,
  );
}

/**
 * Evaluates a schedule at steps `0 .. n - 1`.
 *
 * @param schedule The schedule.
 * @param n How many steps, an integer >= 0.
 * @returns The rates, `rates[t] = schedule(t)`.
 * @throws {RangeError} If `n` is not an integer >= 0.
 *
 * @example
 * ```ts
 * import { linear } from "./linear.ts";
 * import { sample } from "./combinators.ts";
 *
 * const rates = sample(linear({ peakLr: 1, totalSteps: 4 }), 5);
 * if (rates.join() !== "1,0.75,0.5,0.25,0") throw new Error("wrong samples");
 * ```
 */
export function sample(schedule: Schedule, n: number): Float64Array {
  requireSchedule("sample schedule", "schedule", schedule);
  requireInteger("sample schedule", "n", n, 0);
  const rates = new Float64Array(n);
  for (let t = 0; t < n; t++) rates[t] = schedule(t);
  return rates;
}
