// Seeded random vectors for the spectrum estimators, drawn from the kit's
// one seeded generator (lib/data/random.ts).

import { Random } from "../data/random.ts";

/** A uniform generator on [0, 1) from a 32-bit seed. */
export function uniformStream(seed: number): () => number {
  const random = new Random(seed);
  return () => random.uniform();
}

/** A unit vector with independent random signs (Rademacher, normalised). */
export function rademacherUnit(
  dimension: number,
  next: () => number,
): Float64Array {
  const scale = 1 / Math.sqrt(dimension);
  const vector = new Float64Array(dimension);
  for (let i = 0; i < dimension; i++) {
    vector[i] = next() < 0.5 ? -scale : scale;
  }
  return vector;
}
