/**
 * Fashion-MNIST: 70,000 grey 28x28 images of clothing in 10 classes
 * (Xiao, Rasul, Vollgraf 2017, https://arxiv.org/abs/1708.07747; MIT
 * licence).
 *
 * The full set comes from the data folder, the cache, or a download from the
 * zalandoresearch/fashion-mnist repository. The `"mini"` subset (2,500
 * training and 1,000 test images) ships with the kit in
 * `data/fashion-mnist-mini/` so that the default command runs offline.
 *
 * @module
 */

import { type DataLocation, ensureFile, verifyDigest } from "./fetch_file.ts";
import { gunzipSync } from "node:zlib";
import {
  type ImageDataset,
  type ImageSplit,
  splitTrainValidation,
} from "./images.ts";

const BASE_URL =
  "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion";

// SHA-256 of the gunzipped IDX content. The gzip wrappers differ between
// the GitHub files and Debian's copy (Debian's omit the file name from the
// gzip header), the IDX bytes inside do not.
const FULL_FILES = {
  trainImages: [
    "train-images-idx3-ubyte.gz",
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  ],
  trainLabels: [
    "train-labels-idx1-ubyte.gz",
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  ],
  testImages: [
    "t10k-images-idx3-ubyte.gz",
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  ],
  testLabels: [
    "t10k-labels-idx1-ubyte.gz",
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  ],
} as const;

// SHA-256 of the embedded files as stored.
const MINI_FILES = {
  trainImages: [
    "train-images-idx3-ubyte.gz",
    "0d367c2094f320cd0ddb96c97bdc83866855bddb7a95c4a4f7a1b7a90cf93830",
  ],
  trainLabels: [
    "train-labels-idx1-ubyte.gz",
    "de0afebe91262e57efd09b7df846a5b8833482865fdd91b0529a5702e6c672e3",
  ],
  testImages: [
    "t10k-images-idx3-ubyte.gz",
    "4dfe4b10393a3d71052654929920f988792269baf4f6da9f736342c20d5417b2",
  ],
  testLabels: [
    "t10k-labels-idx1-ubyte.gz",
    "af7938be5719422e8517551bf2d75db4819f3cf74292f252f03a241bc5e2ba64",
  ],
} as const;

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
]);

/** Options of {@linkcode loadFashionMnist}. */
export interface FashionMnistOptions extends DataLocation {
  /**
   * `"full"`: the 70,000 images; `"mini"`: the embedded 3,500.
   * @default "full"
   */
  subset?: "full" | "mini";
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
}

/**
 * Parses an uncompressed IDX file of unsigned bytes: images (magic 2051,
 * `[count, rows, columns]`) or labels (magic 2049, `[count]`).
 *
 * @throws {RangeError} On a wrong magic number or a size that disagrees with
 *   the header.
 */
export function parseIdx(
  bytes: Uint8Array,
  where: string,
): { shape: number[]; data: Uint8Array } {
  if (bytes.length < 8) {
    throw new RangeError(
      `Cannot parse ${where} as an IDX file must have an 8-byte header: current value is ${bytes.length} bytes`,
    );
  }
  const magic = readUint32(bytes, 0);
  const dims = magic & 0xff;
  if ((magic >>> 8) !== 0x08 || (dims !== 1 && dims !== 3)) {
    throw new RangeError(
      `Cannot parse ${where} as the IDX magic number must be 2049 or 2051: current value is ${magic}`,
    );
  }
  const shape: number[] = [];
  for (let d = 0; d < dims; d++) shape.push(readUint32(bytes, 4 + 4 * d));
  const header = 4 + 4 * dims;
  const expected = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - header !== expected) {
    throw new RangeError(
      `Cannot parse ${where} as its header promises ${expected} values: current value is ${
        bytes.length - header
      } values (truncated?)`,
    );
  }
  return { shape, data: bytes.subarray(header) };
}

async function readEmbedded(name: string, sha256: string): Promise<Uint8Array> {
  const url = new URL(`../../data/fashion-mnist-mini/${name}`, import.meta.url);
  const bytes = url.protocol === "file:"
    ? await Deno.readFile(url)
    : new Uint8Array(await (await fetch(url)).arrayBuffer());
  verifyDigest(bytes, { algorithm: "sha256", hex: sha256 }, url.href);
  return bytes;
}

/**
 * Loads Fashion-MNIST with its fixed splits: training = the first 55,000
 * official training images, validation = the last 5,000, test = the 10,000
 * official test images (embedded subset: 2,000 / 500 / 1,000).
 *
 * @param options Subset and where to find or download the files.
 * @returns The dataset, images 28x28x1, mean 0.2860, std 0.3530.
 * @throws {DataIntegrityError} When a file does not match its pinned digest.
 * @throws {Error} When a file is missing and cannot be downloaded.
 *
 * @example Load the embedded subset
 * ```ts
 * import { loadFashionMnist } from "./fashion_mnist.ts";
 *
 * const data = await loadFashionMnist({ subset: "mini" });
 * if (data.test.count !== 1000) throw new Error("unexpected size");
 * ```
 */
export async function loadFashionMnist(
  options: FashionMnistOptions = {},
): Promise<ImageDataset> {
  const subset = options.subset ?? "full";
  const read = async (key: keyof typeof FULL_FILES): Promise<Uint8Array> => {
    if (subset === "mini") {
      const [name, sha256] = MINI_FILES[key];
      return gunzipSync(await readEmbedded(name, sha256));
    }
    const [name, sha256] = FULL_FILES[key];
    const { content } = await ensureFile({
      path: `fashion-mnist/${name}`,
      url: `${BASE_URL}/${name}`,
      digest: { algorithm: "sha256", hex: sha256, of: "gunzip" },
    }, options);
    return content;
  };
  const split = async (
    images: keyof typeof FULL_FILES,
    labels: keyof typeof FULL_FILES,
  ): Promise<ImageSplit> => {
    const pixels = parseIdx(await read(images), images);
    const classes = parseIdx(await read(labels), labels);
    if (pixels.shape[0] !== classes.shape[0]) {
      throw new RangeError(
        `Cannot load Fashion-MNIST as images and labels must be as many: current value is ${
          pixels.shape[0]
        } images, ${classes.shape[0]} labels`,
      );
    }
    return {
      images: pixels.data,
      labels: classes.data,
      count: pixels.shape[0],
    };
  };
  const all = await split("trainImages", "trainLabels");
  const test = await split("testImages", "testLabels");
  return {
    name: subset === "mini" ? "fashion-mnist-mini" : "fashion-mnist",
    classes: 10,
    height: 28,
    width: 28,
    channels: 1,
    mean: [0.2860],
    std: [0.3530],
    ...splitTrainValidation(all, 28 * 28),
    test,
  };
}
