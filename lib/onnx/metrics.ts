/**
 * Classification metrics computed from logits on the host, in float64, so
 * that they do not depend on the engine that produced the logits: mean
 * cross-entropy, accuracy and perplexity over any number of batches.
 *
 * @module
 */

/** Running sums of {@linkcode accumulateLogits}. */
export interface MetricTotals {
  /** The number of predictions (examples, or tokens for language). */
  count: number;
  /** The sum of the per-prediction cross-entropies, in nats. */
  lossSum: number;
  /** The number of predictions whose arg-max equals the label. */
  correct: number;
}

/** The metrics of {@linkcode summarise}. */
export interface Metrics {
  /** The number of predictions. */
  readonly count: number;
  /** The mean cross-entropy in nats. */
  readonly loss: number;
  /** The fraction of correct arg-max predictions, in [0, 1]. */
  readonly accuracy: number;
  /** `exp(loss)`. */
  readonly perplexity: number;
}

/**
 * Fresh, zero totals.
 *
 * @returns `{ count: 0, lossSum: 0, correct: 0 }`.
 */
export function emptyTotals(): MetricTotals {
  return { count: 0, lossSum: 0, correct: 0 };
}

/**
 * Adds a batch of predictions to `totals`. Each row of `logits` holds one
 * prediction over `classes` classes; its cross-entropy against label `y` is
 *
 *     loss = log(sum_j exp(z_j - z_max)) + z_max - z_y
 *
 * with `z` the row and `z_max` its largest entry (for stability). The row is
 * correct when its first largest entry is at `y`, the tie rule of
 * `tf.argMax`.
 *
 * @param totals The sums to update in place.
 * @param logits `count * classes` values, row-major.
 * @param labels `count` integer labels in `[0, classes)`.
 * @param classes The number of classes (the last axis of the logits).
 * @returns `totals`.
 * @throws {RangeError} When the sizes disagree or a label is out of range.
 *
 * @example Two predictions over three classes
 * ```ts
 * import { accumulateLogits, emptyTotals, summarise } from "./metrics.ts";
 *
 * const totals = accumulateLogits(
 *   emptyTotals(),
 *   Float32Array.of(0, 0, 0, 5, 0, 0),
 *   Int32Array.of(1, 0),
 *   3,
 * );
 * const metrics = summarise(totals);
 * if (metrics.accuracy !== 0.5) throw new Error("one of two is right");
 * ```
 */
export function accumulateLogits(
  totals: MetricTotals,
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): MetricTotals {
  const rows = labels.length;
  if (logits.length !== rows * classes) {
    throw new RangeError(
      `Cannot score the logits as their size must be labels x classes (${rows} x ${classes}): current value is ${logits.length}`,
    );
  }
  for (let row = 0; row < rows; row++) {
    const label = labels[row];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(
        `Cannot score the logits as labels must lie in [0, ${classes}): current value is ${label}`,
      );
    }
    const offset = row * classes;
    let best = 0;
    let top = logits[offset];
    for (let j = 1; j < classes; j++) {
      if (logits[offset + j] > top) {
        top = logits[offset + j];
        best = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[offset + j] - top);
    totals.lossSum += Math.log(sum) + top - logits[offset + label];
    if (best === label) totals.correct += 1;
  }
  totals.count += rows;
  return totals;
}

/**
 * Turns totals into means.
 *
 * @param totals The sums.
 * @returns Mean loss, accuracy and perplexity (NaN when `count` is 0).
 */
export function summarise(totals: MetricTotals): Metrics {
  const loss = totals.lossSum / totals.count;
  return {
    count: totals.count,
    loss,
    accuracy: totals.correct / totals.count,
    perplexity: Math.exp(loss),
  };
}
