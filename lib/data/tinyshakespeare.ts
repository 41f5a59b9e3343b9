/**
 * TinyShakespeare at the character level: 1,115,394 characters of
 * Shakespeare's plays (from karpathy/char-rnn), 65 distinct characters.
 *
 * The text is never shipped with the kit: it comes from the data folder, the
 * cache, or a download of its canonical address, checked against its pinned
 * SHA-256. Splits are fixed by character position: training = the first
 * 90%, validation = the next 5%, test = the last 5% (rounded down to whole
 * characters).
 *
 * Note: a byte-level BPE is not provided: at this corpus size a character
 * vocabulary of 65 keeps the embedding and output layers negligible, which
 * is what the small models here need.
 *
 * @module
 */

import { requireInteger } from "../_validate.ts";
import { type DataLocation, ensureFile } from "./fetch_file.ts";
import { Random, type RandomState } from "./random.ts";

const URL_ =
  "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt";
const SHA256 =
  "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed";

/** A character-level corpus encoded as token ids, with fixed splits. */
export interface TextDataset {
  /** A short name, e.g. `"tinyshakespeare"`. */
  name: string;
  /** The characters, by token id (sorted by code point). */
  vocabulary: readonly string[];
  /** Training tokens. */
  train: Uint8Array;
  /** Validation tokens. */
  validation: Uint8Array;
  /** Test tokens. */
  test: Uint8Array;
}

/**
 * Encodes `text` at the character level with a sorted vocabulary and splits
 * it 90 / 5 / 5 by position.
 *
 * @throws {RangeError} When the text has more than 256 distinct characters.
 */
export function characterDataset(name: string, text: string): TextDataset {
  const characters = [...new Set(text)].sort();
  if (characters.length > 256) {
    throw new RangeError(
      `Cannot encode ${name} as it must have at most 256 distinct characters: current value is ${characters.length}`,
    );
  }
  const ids = new Map(characters.map((c, i) => [c, i]));
  const chars = [...text];
  const tokens = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) tokens[i] = ids.get(chars[i])!;
  const trainEnd = Math.floor(tokens.length * 0.9);
  const validationEnd = Math.floor(tokens.length * 0.95);
  return {
    name,
    vocabulary: characters,
    train: tokens.subarray(0, trainEnd),
    validation: tokens.subarray(trainEnd, validationEnd),
    test: tokens.subarray(validationEnd),
  };
}

/**
 * Loads TinyShakespeare, character-level, with its fixed splits
 * (1,003,854 / 55,770 / 55,770 characters).
 *
 * @param location Where to find or download `tinyshakespeare/input.txt`.
 * @returns The encoded corpus; its vocabulary has 65 characters.
 * @throws {DataIntegrityError} When the file does not match its digest.
 * @throws {Error} When the file is missing and cannot be downloaded.
 *
 * @example
 * ```ts ignore
 * import { loadTinyShakespeare } from "./tinyshakespeare.ts";
 *
 * const text = await loadTinyShakespeare({ dataDir: "../shared/data" });
 * console.log(text.vocabulary.length); // 65
 * ```
 */
export async function loadTinyShakespeare(
  location: DataLocation = {},
): Promise<TextDataset> {
  const { bytes } = await ensureFile({
    path: "tinyshakespeare/input.txt",
    url: URL_,
    digest: { algorithm: "sha256", hex: SHA256 },
  }, location);
  return characterDataset("tinyshakespeare", new TextDecoder().decode(bytes));
}

/** One language-modelling batch: inputs and next-token targets. */
export interface TextBatch {
  /** Token ids `[size, length]`, row-major. */
  inputs: Int32Array;
  /** The same windows shifted by one token. */
  targets: Int32Array;
  /** Sequences in the batch. */
  size: number;
  /** Tokens per sequence. */
  length: number;
}

/** The position of a {@linkcode TextBatches} stream, for checkpoints. */
export interface TextBatchesState {
  /** State of the generator that draws the window offsets. */
  random: RandomState;
}

/**
 * An endless stream of training windows at uniformly random offsets of a
 * token array, drawn from a seeded generator whose state is the stream's
 * whole position.
 *
 * @example
 * ```ts
 * import { TextBatches } from "./tinyshakespeare.ts";
 *
 * const tokens = new Uint8Array(100).map((_, i) => i % 7);
 * const batch = new TextBatches(tokens, { batchSize: 2, length: 8, seed: 0 }).next();
 * if (batch.targets[0] !== (batch.inputs[0] + 1) % 7) throw new Error("shift");
 * ```
 */
export class TextBatches {
  readonly #tokens: Uint8Array;
  readonly #batchSize: number;
  readonly #length: number;
  readonly #random: Random;

  /**
   * Starts a stream of windows over `tokens`.
   *
   * @param tokens The token ids to draw from.
   * @param options Sequences per batch, tokens per sequence, seed.
   * @throws {RangeError} When the sizes are not positive integers or the
   *   tokens are too few for one window.
   */
  constructor(
    tokens: Uint8Array,
    options: { batchSize: number; length: number; seed?: number },
  ) {
    const action = "create text batches";
    requireInteger(action, "batchSize", options.batchSize, 1);
    requireInteger(action, "length", options.length, 1);
    if (tokens.length < options.length + 1) {
      throw new RangeError(
        `Cannot ${action} as the tokens must exceed length by one: current value is ${tokens.length} tokens for length ${options.length}`,
      );
    }
    this.#tokens = tokens;
    this.#batchSize = options.batchSize;
    this.#length = options.length;
    this.#random = new Random(options.seed ?? 0);
  }

  /** The next batch of random windows. */
  next(): TextBatch {
    const size = this.#batchSize;
    const length = this.#length;
    const inputs = new Int32Array(size * length);
    const targets = new Int32Array(size * length);
    const starts = this.#tokens.length - length;
    for (let b = 0; b < size; b++) {
      const start = this.#random.integer(starts);
      for (let t = 0; t < length; t++) {
        inputs[b * length + t] = this.#tokens[start + t];
        targets[b * length + t] = this.#tokens[start + t + 1];
      }
    }
    return { inputs, targets, size, length };
  }

  /** The stream's position, for a checkpoint. */
  getState(): TextBatchesState {
    return { random: this.#random.getState() };
  }

  /** Restores a position from {@linkcode TextBatches.getState}. */
  setState(state: TextBatchesState): void {
    this.#random.setState(state.random);
  }
}

/**
 * Consecutive, non-overlapping windows from the start of `tokens`, at most
 * `limit` of them (all that fit when undefined), in batches of at most
 * `batchSize`. For evaluation.
 */
export function* textEvaluationBatches(
  tokens: Uint8Array,
  options: { batchSize: number; length: number; limit?: number },
): Generator<TextBatch> {
  const { batchSize, length } = options;
  requireInteger("create evaluation batches", "batchSize", batchSize, 1);
  requireInteger("create evaluation batches", "length", length, 1);
  const fit = Math.floor((tokens.length - 1) / length);
  const count = Math.min(fit, options.limit ?? fit);
  for (let first = 0; first < count; first += batchSize) {
    const size = Math.min(batchSize, count - first);
    const inputs = new Int32Array(size * length);
    const targets = new Int32Array(size * length);
    for (let b = 0; b < size; b++) {
      const start = (first + b) * length;
      for (let t = 0; t < length; t++) {
        inputs[b * length + t] = tokens[start + t];
        targets[b * length + t] = tokens[start + t + 1];
      }
    }
    yield { inputs, targets, size, length };
  }
}
