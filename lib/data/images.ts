/**
 * Image-classification datasets in memory, and deterministic, resumable
 * mini-batches over them.
 *
 * Splits are fixed: the validation split is the last
 * `min(5000, floor(n / 5))` images of the official training set of `n`
 * images, the training split the images before it, and the test split the
 * official test set. For Fashion-MNIST that is 55,000 / 5,000 / 10,000, for
 * CIFAR-10 and CIFAR-100 45,000 / 5,000 / 10,000, for the embedded
 * Fashion-MNIST subset 2,000 / 500 / 1,000.
 *
 * @module
 */

import { requireInteger } from "../_validate.ts";
import { Random, type RandomState } from "./random.ts";

/** Images of one split, height-width-channel order, one byte per value. */
export interface ImageSplit {
  /** `count * height * width * channels` bytes, example after example. */
  images: Uint8Array;
  /** `count` class labels. */
  labels: Uint8Array;
  /** Number of examples. */
  count: number;
}

/** An image-classification dataset with its three fixed splits. */
export interface ImageDataset {
  /** A short name, e.g. `"cifar10"`. */
  name: string;
  /** Number of classes. */
  classes: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Channels per pixel (1 grey, 3 RGB). */
  channels: number;
  /** Per-channel mean of the training images, in [0, 1] units. */
  mean: readonly number[];
  /** Per-channel standard deviation of the training images, in [0, 1]. */
  std: readonly number[];
  /** Training split. */
  train: ImageSplit;
  /** Validation split (held out from the official training set). */
  validation: ImageSplit;
  /** Official test split. */
  test: ImageSplit;
}

/** The number of official training images held out for validation. */
export function validationCount(trainCount: number): number {
  return Math.min(5000, Math.floor(trainCount / 5));
}

/** Splits an official training set into training and validation splits. */
export function splitTrainValidation(
  all: ImageSplit,
  pixelsPerImage: number,
): { train: ImageSplit; validation: ImageSplit } {
  const held = validationCount(all.count);
  const kept = all.count - held;
  return {
    train: {
      images: all.images.subarray(0, kept * pixelsPerImage),
      labels: all.labels.subarray(0, kept),
      count: kept,
    },
    validation: {
      images: all.images.subarray(kept * pixelsPerImage),
      labels: all.labels.subarray(kept),
      count: held,
    },
  };
}

/** One mini-batch, ready for `tf.tensor4d(images, [size, h, w, c])`. */
export interface ImageBatch {
  /** Normalised pixels `(x / 255 - mean) / std`, NHWC. */
  images: Float32Array;
  /** Class labels. */
  labels: Int32Array;
  /** Number of examples in the batch. */
  size: number;
}

/** The position of an {@linkcode ImageBatches} stream, for checkpoints. */
export interface ImageBatchesState {
  /** Completed passes over the split. */
  epoch: number;
  /** Index of the next example within the current epoch's order. */
  position: number;
  /** State of the augmentation generator. */
  augmentRandom: RandomState;
}

/** Options of {@linkcode ImageBatches}. */
export interface ImageBatchesOptions {
  /** Examples per batch. */
  batchSize: number;
  /** Seed of the order and of the augmentation. @default 0 */
  seed?: number;
  /**
   * Random crop with zero padding of 4 pixels and a horizontal flip with
   * probability 1/2 (the standard CIFAR augmentation).
   * @default false
   */
  augment?: boolean;
  /** Use only the first this many examples of the split. */
  limit?: number;
}

function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + epoch * 0x9e3779b9) >>>
    0;
}

/**
 * An endless stream of shuffled training batches over one split.
 *
 * Each epoch visits the examples in a fresh order drawn from
 * `(seed, epoch)`; a batch never spans two epochs (the last, incomplete
 * batch of an epoch is dropped). The stream is a pure function of the seed
 * and its {@linkcode ImageBatchesState}, so a checkpoint that stores the
 * state resumes it exactly.
 *
 * @example Two streams with one seed agree
 * ```ts
 * import { ImageBatches, type ImageDataset } from "./images.ts";
 *
 * const split = { images: new Uint8Array(8 * 4), labels: new Uint8Array([0, 1, 0, 1, 0, 1, 0, 1]), count: 8 };
 * const dataset: ImageDataset = { name: "toy", classes: 2, height: 2, width: 2, channels: 1, mean: [0], std: [1], train: split, validation: split, test: split };
 * const a = new ImageBatches(dataset, dataset.train, { batchSize: 3, seed: 1 });
 * const b = new ImageBatches(dataset, dataset.train, { batchSize: 3, seed: 1 });
 * if (a.next().labels.join() !== b.next().labels.join()) throw new Error("differ");
 * ```
 */
export class ImageBatches {
  readonly #dataset: ImageDataset;
  readonly #split: ImageSplit;
  readonly #batchSize: number;
  readonly #seed: number;
  readonly #augment: boolean;
  readonly #count: number;
  #epoch = 0;
  #position = 0;
  #order: Uint32Array | undefined = undefined;
  #augmentRandom: Random;

  /**
   * Starts a stream at epoch 0, position 0.
   *
   * @param dataset The dataset (for shape and normalisation).
   * @param split The split to draw from, usually `dataset.train`.
   * @param options Batch size, seed, augmentation, example limit.
   * @throws {RangeError} When the batch size is not a positive integer or
   *   exceeds the number of examples.
   */
  constructor(
    dataset: ImageDataset,
    split: ImageSplit,
    options: ImageBatchesOptions,
  ) {
    const action = "create image batches";
    requireInteger(action, "batchSize", options.batchSize, 1);
    this.#count = Math.min(split.count, options.limit ?? split.count);
    if (options.batchSize > this.#count) {
      throw new RangeError(
        `Cannot ${action} as batchSize must not exceed the ${this.#count} examples: current value is ${options.batchSize}`,
      );
    }
    this.#dataset = dataset;
    this.#split = split;
    this.#batchSize = options.batchSize;
    this.#seed = options.seed ?? 0;
    this.#augment = options.augment ?? false;
    this.#augmentRandom = new Random(epochSeed(this.#seed, 0xffffffff));
  }

  #currentOrder(): Uint32Array {
    if (this.#order === undefined) {
      const order = new Uint32Array(this.#count);
      for (let i = 0; i < order.length; i++) order[i] = i;
      new Random(epochSeed(this.#seed, this.#epoch)).shuffle(order);
      this.#order = order;
    }
    return this.#order;
  }

  /** The next batch of the stream. */
  next(): ImageBatch {
    if (this.#position + this.#batchSize > this.#count) {
      this.#epoch += 1;
      this.#position = 0;
      this.#order = undefined;
    }
    const order = this.#currentOrder();
    const indices = order.subarray(
      this.#position,
      this.#position + this.#batchSize,
    );
    this.#position += this.#batchSize;
    return gatherBatch(
      this.#dataset,
      this.#split,
      indices,
      this.#augment ? this.#augmentRandom : undefined,
    );
  }

  /** The stream's position, for a checkpoint. */
  getState(): ImageBatchesState {
    return {
      epoch: this.#epoch,
      position: this.#position,
      augmentRandom: this.#augmentRandom.getState(),
    };
  }

  /** Restores a position from {@linkcode ImageBatches.getState}. */
  setState(state: ImageBatchesState): void {
    requireInteger("restore image batches", "epoch", state.epoch, 0);
    requireInteger("restore image batches", "position", state.position, 0);
    this.#epoch = state.epoch;
    this.#position = state.position;
    this.#order = undefined;
    this.#augmentRandom.setState(state.augmentRandom);
  }
}

/**
 * The examples `indices` of `split` as a normalised batch, optionally with a
 * random 4-pixel-padded crop and horizontal flip drawn from `random`.
 */
export function gatherBatch(
  dataset: ImageDataset,
  split: ImageSplit,
  indices: ArrayLike<number>,
  random?: Random,
): ImageBatch {
  const { height, width, channels, mean, std } = dataset;
  const pixels = height * width * channels;
  const size = indices.length;
  const images = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  // Lookup tables: normalised value of every byte, per channel, and of the
  // zero padding.
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) {
      table[c * 256 + v] = (v / 255 - mean[c]) / std[c];
    }
  }
  for (let b = 0; b < size; b++) {
    const index = indices[b];
    labels[b] = split.labels[index];
    const source = index * pixels;
    const target = b * pixels;
    let shiftY = 0;
    let shiftX = 0;
    let flip = false;
    if (random !== undefined) {
      shiftY = random.integer(9) - 4;
      shiftX = random.integer(9) - 4;
      flip = random.integer(2) === 1;
    }
    for (let y = 0; y < height; y++) {
      const sy = y + shiftY;
      for (let x = 0; x < width; x++) {
        const sx = (flip ? width - 1 - x : x) + shiftX;
        const out = target + (y * width + x) * channels;
        const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        const from = source + (sy * width + sx) * channels;
        for (let c = 0; c < channels; c++) {
          const value = inside ? split.images[from + c] : 0;
          images[out + c] = table[c * 256 + value];
        }
      }
    }
  }
  return { images, labels, size };
}

/**
 * The first `limit` examples of a split in order, as batches of at most
 * `batchSize` (the last one may be smaller). For evaluation.
 */
export function* evaluationBatches(
  dataset: ImageDataset,
  split: ImageSplit,
  batchSize: number,
  limit?: number,
): Generator<ImageBatch> {
  requireInteger("create evaluation batches", "batchSize", batchSize, 1);
  const count = Math.min(split.count, limit ?? split.count);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const indices = new Uint32Array(end - start);
    for (let i = 0; i < indices.length; i++) indices[i] = start + i;
    yield gatherBatch(dataset, split, indices);
  }
}
