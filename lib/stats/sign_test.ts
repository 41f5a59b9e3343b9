/**
 * The exact two-sided sign test for paired measurements.
 *
 * @module
 */
import { requireFinite, requireNonNegative } from "../_validate.ts";

/** Result of {@linkcode signTest}. */
export interface SignTest {
  /** Pairs where `a` exceeds `b` by more than the tolerance. */
  readonly positives: number;
  /** Pairs where `b` exceeds `a` by more than the tolerance. */
  readonly negatives: number;
  /** Pairs within the tolerance of each other, left out of the test. */
  readonly ties: number;
  /** Exact two-sided p-value under Binomial(positives + negatives, 1/2). */
  readonly pValue: number;
}

/** Options of {@linkcode signTest}. */
export interface SignTestOptions {
  /**
   * Differences with `|a_i - b_i| <= tolerance` count as ties.
   * @default {0}
   */
  tolerance?: number;
}

/**
 * P(X <= k) for X ~ Binomial(m, 1/2). Terms follow C(m, j + 1) = C(m, j)
 * (m - j) / (j + 1); for the m of seed counts every term is an exact binary
 * fraction. Past m = 1000, 2^-m underflows, so logs take over.
 */
function lowerBinomialTail(m: number, k: number): number {
  let tail = 0;
  if (m <= 1000) {
    let term = 2 ** -m;
    for (let j = 0; j <= k; j++) {
      tail += term;
      term = term * (m - j) / (j + 1);
    }
    return tail;
  }
  let logTerm = -m * Math.LN2;
  for (let j = 0; j <= k; j++) {
    tail += Math.exp(logTerm);
    logTerm += Math.log(m - j) - Math.log(j + 1);
  }
  return tail;
}

/**
 * Exact two-sided sign test: under the null hypothesis each non-tied pair is
 * equally likely to favour `a` or `b`.
 *
 * ```text
 * m = positives + negatives,   k = min(positives, negatives)
 * p = min(1, 2 * sum_(j = 0..k) C(m, j) / 2^m)      (p = 1 when m = 0)
 * ```
 *
 * @param a First measurements.
 * @param b Second measurements, same length, paired by index.
 * @param options See {@linkcode SignTestOptions}.
 * @returns The {@linkcode SignTest}.
 * @throws {RangeError} If the lengths differ, a value is not finite, or the
 * tolerance is negative.
 *
 * @example Five wins out of five: p = 2 / 32
 * ```ts
 * import { signTest } from "./sign_test.ts";
 *
 * const { pValue } = signTest([1, 1, 1, 1, 1], [0, 0, 0, 0, 0]);
 * if (pValue !== 0.0625) throw new Error("off");
 * ```
 */
export function signTest(
  a: readonly number[],
  b: readonly number[],
  options: SignTestOptions = {},
): SignTest {
  const action = "run a sign test";
  const tolerance = options.tolerance ?? 0;
  requireNonNegative(action, "tolerance", tolerance);
  if (a.length !== b.length) {
    throw new RangeError(
      `Cannot ${action} as both samples must have the same length: current values are ${a.length} and ${b.length}`,
    );
  }
  a.forEach((value, i) => requireFinite(action, `a[${i}]`, value));
  b.forEach((value, i) => requireFinite(action, `b[${i}]`, value));

  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = a[i] - b[i];
    if (difference > tolerance) positives++;
    else if (difference < -tolerance) negatives++;
  }
  const ties = a.length - positives - negatives;
  const m = positives + negatives;
  const k = Math.min(positives, negatives);
  const pValue = Math.min(1, 2 * lowerBinomialTail(m, k));
  return { positives, negatives, ties, pValue };
}
