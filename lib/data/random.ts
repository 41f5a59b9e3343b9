/**
 * A small, seedable, serialisable pseudo-random generator.
 *
 * Everything random in a run (initial weights, data order, crops and flips)
 * draws from a {@linkcode Random}, so that a run is a pure function of its
 * seed and a checkpoint can store the generator's state and resume the exact
 * same stream.
 *
 * The generator is SFC32 (Chris Doty-Humphrey's "small fast counting"
 * generator, 128 bits of state), seeded through SplitMix32 so that nearby
 * seeds give unrelated streams.
 *
 * @module
 */

import { requireInteger } from "../_validate.ts";

/** The serialised state of a {@linkcode Random}: four unsigned 32-bit words. */
export type RandomState = [number, number, number, number];

function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded pseudo-random number generator whose state can be saved and
 * restored.
 *
 * @example Same seed, same stream
 * ```ts
 * import { Random } from "./random.ts";
 *
 * const a = new Random(7);
 * const b = new Random(7);
 * if (a.uniform() !== b.uniform()) throw new Error("streams differ");
 * ```
 */
export class Random {
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;

  /**
   * Seeds a generator.
   *
   * @param seed A non-negative integer below 2^32.
   * @throws {RangeError} When the seed is not such an integer.
   */
  constructor(seed: number) {
    requireInteger("create a random generator", "seed", seed, 0);
    if (seed >= 2 ** 32) {
      throw new RangeError(
        `Cannot create a random generator as seed must be below 2^32: current value is ${seed}`,
      );
    }
    const mix = splitMix32(seed);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next unsigned 32-bit integer of the stream. */
  nextUint32(): number {
    const result = (this.#a + this.#b + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = (this.#b ^ (this.#b >>> 9)) >>> 0;
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + result) >>> 0;
    return result;
  }

  /** A uniform draw from [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * A uniform integer from `0` to `n - 1` (rejection sampling, no modulo
   * bias).
   *
   * @param n The number of outcomes, an integer in [1, 2^32].
   */
  integer(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let draw = this.nextUint32();
    while (draw >= limit) draw = this.nextUint32();
    return draw % n;
  }

  /**
   * A standard normal draw (Box-Muller). The second value of the pair is not
   * kept, so the whole state is the four words of {@linkcode getState}.
   */
  normal(): number {
    const u = 1 - this.uniform(); // in (0, 1]: log(u) is finite
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `values` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: number }>(
    values: T,
  ): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
    return values;
  }

  /** The state, for a checkpoint. */
  getState(): RandomState {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  /**
   * Restores a state returned by {@linkcode Random.getState}.
   *
   * @throws {RangeError} When the state is not four unsigned 32-bit words.
   */
  setState(state: readonly number[]): void {
    const valid = state.length === 4 &&
      state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32);
    if (!valid) {
      throw new RangeError(
        `Cannot restore a random generator as the state must be four unsigned 32-bit integers: current value is [${
          state.join(", ")
        }]`,
      );
    }
    [this.#a, this.#b, this.#c, this.#d] = state;
  }
}
