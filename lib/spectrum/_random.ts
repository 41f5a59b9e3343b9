// Seeded random vectors for the spectrum estimators (mulberry32 stream).

/** A uniform generator on [0, 1) from a 32-bit seed. */
export function uniformStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
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
