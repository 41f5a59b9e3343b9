// Eager option checks shared by every factory. Messages follow one pattern,
// "Cannot <action> as <rule>: current value is <value>", so that a user sees
// what was being built, which option broke which rule, and what was passed.

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}

/** Throws a TypeError unless `value` is a number (NaN included). */
export function requireNumber(
  action: string,
  option: string,
  value: unknown,
): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action} as ${option} must be a number: current value is ${
        show(value)
      }`,
    );
  }
}

/** Throws unless `value` is a finite number. */
export function requireFinite(
  action: string,
  option: string,
  value: unknown,
): asserts value is number {
  requireNumber(action, option, value);
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `Cannot ${action} as ${option} must be finite: current value is ${value}`,
    );
  }
}

/** Throws unless `value` is a finite number greater than zero. */
export function requirePositive(
  action: string,
  option: string,
  value: unknown,
): asserts value is number {
  requireFinite(action, option, value);
  if (!(value > 0)) {
    throw new RangeError(
      `Cannot ${action} as ${option} must be positive: current value is ${value}`,
    );
  }
}

/** Throws unless `value` is a finite number that is zero or more. */
export function requireNonNegative(
  action: string,
  option: string,
  value: unknown,
): asserts value is number {
  requireFinite(action, option, value);
  if (!(value >= 0)) {
    throw new RangeError(
      `Cannot ${action} as ${option} must be non-negative: current value is ${value}`,
    );
  }
}

/** Throws unless `value` is an integer no smaller than `min`. */
export function requireInteger(
  action: string,
  option: string,
  value: unknown,
  min: number,
): asserts value is number {
  requireFinite(action, option, value);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot ${action} as ${option} must be an integer >= ${min}: current value is ${value}`,
    );
  }
}

/** Throws unless `low <= value <= high` (either end may be open). */
export function requireInRange(
  action: string,
  option: string,
  value: unknown,
  range: {
    low: number;
    high: number;
    lowOpen?: boolean;
    highOpen?: boolean;
  },
): asserts value is number {
  requireFinite(action, option, value);
  const { low, high, lowOpen = false, highOpen = false } = range;
  const aboveLow = lowOpen ? value > low : value >= low;
  const belowHigh = highOpen ? value < high : value <= high;
  if (!aboveLow || !belowHigh) {
    const interval = `${lowOpen ? "(" : "["}${low}, ${high}${
      highOpen ? ")" : "]"
    }`;
    throw new RangeError(
      `Cannot ${action} as ${option} must lie in ${interval}: current value is ${value}`,
    );
  }
}

/** Throws a TypeError unless `value` is one of `choices`. */
export function requireChoice<T extends string>(
  action: string,
  option: string,
  value: unknown,
  choices: readonly T[],
): asserts value is T {
  if (!choices.includes(value as T)) {
    throw new TypeError(
      `Cannot ${action} as ${option} must be one of ${
        choices.map(show).join(", ")
      }: current value is ${show(value)}`,
    );
  }
}

/** Throws a RangeError naming both options unless `low <= high`. */
export function requireOrdered(
  action: string,
  lowOption: string,
  low: number,
  highOption: string,
  high: number,
): void {
  if (!(low <= high)) {
    throw new RangeError(
      `Cannot ${action} as ${lowOption} must not exceed ${highOption}: current values are ${lowOption}=${low}, ${highOption}=${high}`,
    );
  }
}

/** Throws a TypeError unless `options` is a plain object. */
export function requireOptions(action: string, options: unknown): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action} as options must be an object: current value is ${
        show(options)
      }`,
    );
  }
}
