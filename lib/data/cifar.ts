/**
 * CIFAR-10 and CIFAR-100: 60,000 RGB 32x32 images in 10 or 100 classes
 * (Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html), in the
 * "binary version" layout.
 *
 * Layout: a record is one label byte (CIFAR-10) or a coarse and a fine label
 * byte (CIFAR-100; the kit uses the fine label), then 3,072 pixel bytes as
 * three 32x32 planes, red, green, blue, row by row. CIFAR-10 has five
 * training files of 10,000 records (`cifar-10-batches-bin/data_batch_1.bin`
 * ... `_5.bin`) and `test_batch.bin`; CIFAR-100 has
 * `cifar-100-binary/train.bin` (50,000) and `test.bin` (10,000).
 *
 * The loader looks for those files in the data folder, then in the cache;
 * when they are in neither it downloads the official tarball into the cache,
 * checks its MD5 (the only digest the CIFAR page publishes), extracts the
 * `.bin` files (each written to a temporary name, then renamed) with a
 * `SHA256SUMS` of them, and deletes the tarball.
 *
 * Note: files found in a data folder without a `SHA256SUMS` are checked for
 * their record layout (whole records, labels in range) but not against a
 * digest, because the CIFAR page publishes digests of the tarballs only.
 *
 * @module
 */

import { writeFileAtomic } from "../_atomic_write.ts";
import { gunzipSync } from "node:zlib";
import {
  DataIntegrityError,
  type DataLocation,
  defaultCacheDir,
  ensureFile,
  hexDigest,
} from "./fetch_file.ts";
import {
  type ImageDataset,
  type ImageSplit,
  splitTrainValidation,
} from "./images.ts";

interface CifarLayout {
  folder: string;
  tarball: string;
  url: string;
  md5: string;
  trainFiles: string[];
  testFiles: string[];
  labelBytes: number;
  classes: number;
  mean: number[];
  std: number[];
}

const LAYOUTS: Record<10 | 100, CifarLayout> = {
  10: {
    folder: "cifar-10-batches-bin",
    tarball: "cifar-10-binary.tar.gz",
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
    trainFiles: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    testFiles: ["test_batch.bin"],
    labelBytes: 1,
    classes: 10,
    mean: [0.4914, 0.4822, 0.4465],
    std: [0.2470, 0.2435, 0.2616],
  },
  100: {
    folder: "cifar-100-binary",
    tarball: "cifar-100-binary.tar.gz",
    url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
    md5: "03b5dce01913d631647c71ecec9e9cb8",
    trainFiles: ["train.bin"],
    testFiles: ["test.bin"],
    labelBytes: 2,
    classes: 100,
    mean: [0.5071, 0.4865, 0.4409],
    std: [0.2673, 0.2564, 0.2762],
  },
};

const PIXELS = 32 * 32 * 3;

/**
 * Decodes CIFAR binary records into an {@linkcode ImageSplit} (pixels
 * reordered from planes to height-width-channel).
 *
 * @param files The contents of the record files, in order.
 * @param labelBytes 1 for CIFAR-10, 2 for CIFAR-100 (the fine label is kept).
 * @param classes The number of classes; labels must be below it.
 * @throws {DataIntegrityError} When a file is not a whole number of records
 *   or holds an out-of-range label.
 */
export function decodeCifarRecords(
  files: readonly { name: string; bytes: Uint8Array }[],
  labelBytes: number,
  classes: number,
): ImageSplit {
  const recordSize = labelBytes + PIXELS;
  let count = 0;
  for (const { name, bytes } of files) {
    if (bytes.length === 0 || bytes.length % recordSize !== 0) {
      throw new DataIntegrityError(
        `Cannot load ${name} as it must hold whole ${recordSize}-byte CIFAR records: current value is ${bytes.length} bytes (truncated?)`,
      );
    }
    count += bytes.length / recordSize;
  }
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let index = 0;
  for (const { name, bytes } of files) {
    for (let offset = 0; offset < bytes.length; offset += recordSize) {
      const label = bytes[offset + labelBytes - 1];
      if (label >= classes) {
        throw new DataIntegrityError(
          `Cannot load ${name} as labels must be below ${classes}: current value is ${label} in record ${
            offset / recordSize
          }`,
        );
      }
      labels[index] = label;
      const planes = offset + labelBytes;
      const target = index * PIXELS;
      for (let p = 0; p < 1024; p++) {
        images[target + 3 * p] = bytes[planes + p];
        images[target + 3 * p + 1] = bytes[planes + 1024 + p];
        images[target + 3 * p + 2] = bytes[planes + 2048 + p];
      }
      index += 1;
    }
  }
  return { images, labels, count };
}

/**
 * The regular files of an uncompressed tar archive (ustar or GNU), by path.
 *
 * @throws {DataIntegrityError} When the archive ends inside a header or a
 *   file.
 */
export function readTar(archive: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (start: number, length: number) => {
    const field = archive.subarray(start, start + length);
    const end = field.indexOf(0);
    return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
  };
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= archive.length) {
    if (archive.subarray(offset, offset + 512).every((b) => b === 0)) break;
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(archive[offset + 156] || 48);
    const prefix = text(offset + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/` : "") + text(offset, 100);
    longName = undefined;
    const start = offset + 512;
    if (start + size > archive.length) {
      throw new DataIntegrityError(
        `Cannot read the tar archive as ${name} must hold ${size} bytes: current value is ${
          archive.length - start
        } bytes left (truncated)`,
      );
    }
    const body = archive.subarray(start, start + size);
    if (type === "L") longName = text(start, size);
    else if (type === "0" || type === "\0") {
      name = name.replace(/^\.\//, "");
      files.set(name, body);
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function readFolder(
  folder: string,
  names: readonly string[],
): Promise<Map<string, Uint8Array> | undefined> {
  const found = new Map<string, Uint8Array>();
  for (const name of names) {
    const bytes = await readIfPresent(`${folder}/${name}`);
    if (bytes === undefined) return undefined;
    found.set(name, bytes);
  }
  const sums = await readIfPresent(`${folder}/SHA256SUMS`);
  if (sums !== undefined) {
    for (const line of new TextDecoder().decode(sums).split("\n")) {
      const [hex, name] = line.trim().split(/\s+\*?/);
      const bytes = name === undefined ? undefined : found.get(name);
      if (bytes === undefined) continue;
      const actual = hexDigest("sha256", bytes);
      if (actual !== hex) {
        throw new DataIntegrityError(
          `Cannot use ${folder}/${name} as its content must have sha256 ${hex}: current value is ${actual}`,
        );
      }
    }
  }
  return found;
}

/**
 * Extracts the record files of an official CIFAR tarball (`.tar.gz`) into
 * `folder/<cifar-10-batches-bin | cifar-100-binary>/`, each written to a
 * temporary name and renamed, plus a `SHA256SUMS` of them that later loads
 * check. The tarball's own digest is checked by the caller.
 *
 * @param tarball The gzipped tar archive.
 * @param classes 10 or 100.
 * @param folder The cache folder.
 * @returns The extracted files by name.
 * @throws {DataIntegrityError} When a record file is missing from the
 *   archive or the archive is truncated.
 */
export async function extractCifarArchive(
  tarball: Uint8Array,
  classes: 10 | 100,
  folder: string,
): Promise<Map<string, Uint8Array>> {
  const layout = LAYOUTS[classes];
  const names = [...layout.trainFiles, ...layout.testFiles];
  let archive: Map<string, Uint8Array>;
  try {
    archive = readTar(gunzipSync(tarball));
  } catch (error) {
    if (error instanceof DataIntegrityError) throw error;
    throw new DataIntegrityError(
      `Cannot extract ${layout.tarball} as it must be a gzipped tar archive: current value is "${
        (error as Error).message
      }"`,
    );
  }
  const target = `${folder}/${layout.folder}`;
  await Deno.mkdir(target, { recursive: true });
  const files = new Map<string, Uint8Array>();
  const sums: string[] = [];
  for (const name of names) {
    const body = archive.get(`${layout.folder}/${name}`);
    if (body === undefined) {
      throw new DataIntegrityError(
        `Cannot extract ${layout.tarball} as it must contain ${layout.folder}/${name}: current value is [${
          [...archive.keys()].join(", ")
        }]`,
      );
    }
    files.set(name, body);
  }
  for (const [name, body] of files) {
    await writeFileAtomic(`${target}/${name}`, body);
    sums.push(`${hexDigest("sha256", body)}  ${name}`);
  }
  await writeFileAtomic(
    `${target}/SHA256SUMS`,
    new TextEncoder().encode(sums.join("\n") + "\n"),
  );
  return files;
}

/**
 * Loads CIFAR-10 or CIFAR-100 with its fixed splits: training = the first
 * 45,000 official training images, validation = the last 5,000, test = the
 * 10,000 official test images (smaller files: the last fifth, at most 5,000,
 * is validation).
 *
 * @param classes 10 or 100.
 * @param location Where to find or download the files.
 * @returns The dataset, images 32x32x3 in height-width-channel order.
 * @throws {DataIntegrityError} On a digest mismatch or broken records.
 * @throws {Error} When the files are missing and cannot be downloaded.
 *
 * @example Load CIFAR-10 from a data folder
 * ```ts ignore
 * import { loadCifar } from "./cifar.ts";
 *
 * const cifar = await loadCifar(10, { dataDir: "/data" });
 * console.log(cifar.train.count); // 45000
 * ```
 */
export async function loadCifar(
  classes: 10 | 100,
  location: DataLocation = {},
): Promise<ImageDataset> {
  const layout = LAYOUTS[classes];
  if (layout === undefined) {
    throw new RangeError(
      `Cannot load CIFAR as classes must be 10 or 100: current value is ${classes}`,
    );
  }
  const names = [...layout.trainFiles, ...layout.testFiles];
  let dataDir = location.dataDir;
  try {
    dataDir ??= Deno.env.get("UBA_DATA_DIR") || undefined;
  } catch { /* no --allow-env */ }
  const cacheDir = location.cacheDir ?? defaultCacheDir();
  let files = dataDir === undefined
    ? undefined
    : await readFolder(`${dataDir}/${layout.folder}`, names);
  files ??= await readFolder(`${cacheDir}/${layout.folder}`, names);
  if (files === undefined) {
    const { bytes, path } = await ensureFile({
      path: layout.tarball,
      url: layout.url,
      digest: { algorithm: "md5", hex: layout.md5 },
    }, { ...location, dataDir: undefined, cacheDir });
    files = await extractCifarArchive(bytes, classes, cacheDir);
    // A downloaded tarball is no longer needed; one found in a data folder
    // is the user's and stays.
    if (path === `${cacheDir}/${layout.tarball}`) {
      await Deno.remove(path).catch(() => {});
    }
  }
  const decode = (list: string[]) =>
    decodeCifarRecords(
      list.map((name) => ({
        name: `${layout.folder}/${name}`,
        bytes: files.get(name)!,
      })),
      layout.labelBytes,
      layout.classes,
    );
  const all = decode(layout.trainFiles);
  return {
    name: `cifar${classes}`,
    classes: layout.classes,
    height: 32,
    width: 32,
    channels: 3,
    mean: layout.mean,
    std: layout.std,
    ...splitTrainValidation(all, PIXELS),
    test: decode(layout.testFiles),
  };
}
