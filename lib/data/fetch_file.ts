/**
 * Finds, downloads and verifies the files of a dataset.
 *
 * A dataset file is looked up, in order, in the data folder (option
 * `dataDir`, else the `UBA_DATA_DIR` environment variable), then in the
 * cache folder (option `cacheDir`, else `UBA_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/uba-kit` or `~/.cache/uba-kit`). When it is in neither,
 * it is downloaded into the cache folder. Every file is checked against a
 * pinned digest before use; a download is written to a temporary file in the
 * same folder and renamed into place only after it verified, so a failed or
 * interrupted download never leaves a partial file under the final name.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";

/** A digest that a dataset file must match. */
export interface PinnedDigest {
  /** The hash function: SHA-256, or MD5 where only that is published. */
  algorithm: "sha256" | "md5";
  /** The expected digest, lower-case hexadecimal. */
  hex: string;
  /**
   * What is hashed: the file as stored (`"file"`), or its gunzipped content
   * (`"gunzip"`, for files whose gzip wrapper differs between mirrors).
   * @default "file"
   */
  of?: "file" | "gunzip";
}

/** A file of a dataset: where it lives, where it comes from, its digest. */
export interface DatasetFile {
  /** Path relative to the data folder, e.g. `"fashion-mnist/t10k-labels-idx1-ubyte.gz"`. */
  path: string;
  /** The canonical download address. */
  url: string;
  /** The digest the bytes must match. */
  digest: PinnedDigest;
}

/** Where to look for dataset files and how to download them. */
export interface DataLocation {
  /**
   * A folder that already holds the files (read only).
   * @default Deno.env.get("UBA_DATA_DIR")
   */
  dataDir?: string;
  /** The download cache. @default UBA_CACHE_DIR, then ~/.cache/uba-kit */
  cacheDir?: string;
  /**
   * Replaces the scheme and host part of every download address: the file
   * `https://host/a/b.gz` is fetched from `${mirror}/a/b.gz`. For mirrors
   * and tests.
   */
  mirror?: string;
  /** Whether downloading is allowed at all. @default true */
  download?: boolean;
}

/** A checksum or size check failed: the file is not the expected one. */
export class DataIntegrityError extends Error {
  /** Always `"DataIntegrityError"`. */
  override name = "DataIntegrityError";
}

function env(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

/** The cache folder {@linkcode ensureFile} downloads into. */
export function defaultCacheDir(): string {
  const explicit = env("UBA_CACHE_DIR");
  if (explicit !== undefined) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg !== undefined) return `${xdg}/uba-kit`;
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  return `${home}/.cache/uba-kit`;
}

/** The hex digest of `bytes` under `algorithm`. */
export function hexDigest(
  algorithm: "sha256" | "md5",
  bytes: Uint8Array,
): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

/**
 * Checks `bytes` against `digest`.
 *
 * @returns The bytes that were hashed: `bytes` itself, or its gunzipped
 *   content when `digest.of` is `"gunzip"`.
 * @throws {DataIntegrityError} On a mismatch, or a gzip stream that does not
 *   decompress (truncated or corrupted), naming `where`.
 */
export function verifyDigest(
  bytes: Uint8Array,
  digest: PinnedDigest,
  where: string,
): Uint8Array {
  let hashed = bytes;
  if (digest.of === "gunzip") {
    try {
      hashed = gunzipSync(bytes);
    } catch (error) {
      throw new DataIntegrityError(
        `Cannot use ${where} as it must be a complete gzip stream (truncated or corrupted?): current value is ${bytes.length} bytes failing with "${
          (error as Error).message
        }"`,
      );
    }
  }
  const actual = hexDigest(digest.algorithm, hashed);
  if (actual !== digest.hex) {
    const what = digest.of === "gunzip" ? "gunzipped content" : "content";
    throw new DataIntegrityError(
      `Cannot use ${where} as its ${what} must have ${digest.algorithm} ${digest.hex}: current value is ${actual} (${bytes.length} bytes; delete the file to download it again)`,
    );
  }
  return hashed;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "." : path.slice(0, slash);
}

function mirrored(url: string, mirror: string | undefined): string {
  if (mirror === undefined) return url;
  const parsed = new URL(url);
  return `${mirror.replace(/\/$/, "")}${parsed.pathname}`;
}

/**
 * Downloads `url` to `target` atomically: into a temporary file next to it,
 * verified, then renamed. Nothing is left behind on failure.
 */
async function download(
  url: string,
  target: string,
  digest: PinnedDigest,
): Promise<{ bytes: Uint8Array; content: Uint8Array }> {
  await Deno.mkdir(parentOf(target), { recursive: true });
  const temporary = `${target}.${Deno.pid}-${
    crypto.randomUUID().slice(0, 8)
  }.part`;
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(
        `Cannot download ${url} as the request must succeed: current value is "${
          (error as Error).message
        }"`,
      );
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(
        `Cannot download ${url} as the server must answer 200: current value is ${response.status} ${response.statusText}`,
      );
    }
    const expected = Number(response.headers.get("content-length") ?? NaN);
    const file = await Deno.open(temporary, {
      write: true,
      createNew: true,
    });
    let received = 0;
    try {
      for await (const chunk of response.body) {
        received += chunk.length;
        let written = 0;
        while (written < chunk.length) {
          written += await file.write(chunk.subarray(written));
        }
      }
    } catch (error) {
      throw new DataIntegrityError(
        `Cannot download ${url} as the transfer must complete: current value is ${received} bytes received, then "${
          (error as Error).message
        }"`,
      );
    } finally {
      file.close();
    }
    if (Number.isFinite(expected) && received !== expected) {
      throw new DataIntegrityError(
        `Cannot download ${url} as it must be ${expected} bytes (Content-Length): current value is ${received} bytes (truncated)`,
      );
    }
    const bytes = await Deno.readFile(temporary);
    const content = verifyDigest(bytes, digest, `the download of ${url}`);
    await Deno.rename(temporary, target);
    return { bytes, content };
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Returns the verified bytes of a dataset file, downloading it into the cache
 * when it is neither in the data folder nor in the cache.
 *
 * @param file The file, its address and digest.
 * @param location Where to look and whether to download.
 * @returns The file's bytes as stored, its content (the gunzipped bytes
 *   when the digest covers them, else the same bytes) and its path.
 * @throws {DataIntegrityError} When a found or downloaded file does not
 *   match its digest, or a download is truncated.
 * @throws {Error} When the file is missing and cannot be downloaded.
 *
 * @example Read a file from a data folder
 * ```ts ignore
 * import { ensureFile } from "./fetch_file.ts";
 *
 * const { bytes } = await ensureFile({
 *   path: "tinyshakespeare/input.txt",
 *   url: "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
 *   digest: { algorithm: "sha256", hex: "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed" },
 * }, { dataDir: "../shared/data" });
 * ```
 */
export async function ensureFile(
  file: DatasetFile,
  location: DataLocation = {},
): Promise<{ bytes: Uint8Array; content: Uint8Array; path: string }> {
  const dataDir = location.dataDir ?? env("UBA_DATA_DIR");
  if (dataDir !== undefined) {
    const path = `${dataDir}/${file.path}`;
    if (await exists(path)) {
      const bytes = await Deno.readFile(path);
      const content = verifyDigest(bytes, file.digest, path);
      return { bytes, content, path };
    }
  }
  const cacheDir = location.cacheDir ?? defaultCacheDir();
  const path = `${cacheDir}/${file.path}`;
  if (await exists(path)) {
    const bytes = await Deno.readFile(path);
    const content = verifyDigest(bytes, file.digest, path);
    return { bytes, content, path };
  }
  if (location.download === false) {
    throw new Error(
      `Cannot load ${file.path} as it must be in the data folder or the cache when downloads are off: current value is dataDir=${dataDir}, cacheDir=${cacheDir}`,
    );
  }
  const { bytes, content } = await download(
    mirrored(file.url, location.mirror),
    path,
    file.digest,
  );
  return { bytes, content, path };
}
