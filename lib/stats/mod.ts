/**
 * Statistics for comparing training runs over seeds: summaries with Student
 * t confidence intervals, the paired t-test and the exact sign test.
 *
 * @example Compare two schedules measured with the same three seeds
 * ```ts
 * import { pairedTTest, signTest, summarize } from "./mod.ts";
 *
 * const uba = [0.81, 0.83, 0.82];
 * const cosine = [0.80, 0.815, 0.81];
 * const interval = summarize(uba);
 * const paired = pairedTTest(uba, cosine);
 * const signs = signTest(uba, cosine);
 * if (signs.positives !== 3 || !(paired.meanDifference > 0)) {
 *   throw new Error("unexpected");
 * }
 * if (!(interval.low < interval.mean)) throw new Error("unexpected");
 * ```
 *
 * @module
 */
export * from "./student_t.ts";
export * from "./summary.ts";
export * from "./paired_t_test.ts";
export * from "./sign_test.ts";
