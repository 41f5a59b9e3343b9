/**
 * Checkpoint files: named float32 tensors plus a JSON header, written
 * atomically.
 *
 * Layout: the 8 bytes `UBACKPT1`, a little-endian uint32 header length, the
 * UTF-8 JSON header, then the raw little-endian values of every tensor in
 * header order. The header lists each tensor's name, shape and dtype
 * (`float32` or `int32`) and carries any JSON the caller adds (step, data
 * position, generator state, curve so far).
 *
 * A checkpoint is written to a temporary file in the same folder, flushed to
 * disk, then renamed over the previous one, so a crash at any moment leaves
 * either the old or the new checkpoint, never a partial one.
 *
 * @module
 */

import { writeFileAtomic } from "../_atomic_write.ts";
import type * as tf from "@tensorflow/tfjs-core";

const MAGIC = "UBACKPT1";

/** One stored tensor: its values and shape. */
export interface StoredTensor {
  /** The tensor's shape. */
  shape: number[];
  /** The element type. */
  dtype: "float32" | "int32";
  /** The values, row-major. */
  values: Float32Array | Int32Array;
}

/** The content of a checkpoint file. */
export interface CheckpointContent<Meta> {
  /** Arbitrary JSON that describes the run's position. */
  meta: Meta;
  /** Tensors by name, e.g. `"param:fc.kernel"`, `"slot:m:fc.kernel"`. */
  tensors: Map<string, StoredTensor>;
}

/**
 * Reads a tensor's values into a {@linkcode StoredTensor} (asynchronously,
 * as GPU backends require).
 */
export async function storeTensor(tensor: tf.Tensor): Promise<StoredTensor> {
  if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
    throw new TypeError(
      `Cannot store a tensor as its dtype must be float32 or int32: current value is ${tensor.dtype}`,
    );
  }
  const values = await tensor.data() as Float32Array | Int32Array;
  return {
    shape: [...tensor.shape],
    dtype: tensor.dtype,
    values: values.slice(),
  };
}

/** Encodes a checkpoint into bytes. */
export function encodeCheckpoint<Meta>(
  content: CheckpointContent<Meta>,
): Uint8Array {
  const entries = [...content.tensors].map(([name, t]) => ({
    name,
    shape: t.shape,
    dtype: t.dtype,
  }));
  const header = new TextEncoder().encode(
    JSON.stringify({ meta: content.meta, tensors: entries }),
  );
  let dataBytes = 0;
  for (const t of content.tensors.values()) dataBytes += t.values.byteLength;
  const padded = Math.ceil(header.length / 4) * 4; // keep values aligned
  const out = new Uint8Array(12 + padded + dataBytes);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, padded, true);
  out.set(header, 12);
  out.fill(0x20, 12 + header.length, 12 + padded); // JSON whitespace
  let offset = 12 + padded;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const t of content.tensors.values()) {
    const bytes = new Uint8Array(
      t.values.buffer,
      t.values.byteOffset,
      t.values.byteLength,
    );
    out.set(bytes, offset);
    if (!littleEndian) {
      for (let i = offset; i < offset + bytes.length; i += 4) {
        out.subarray(i, i + 4).reverse();
      }
    }
    offset += bytes.length;
  }
  return out;
}

/**
 * Decodes bytes written by {@linkcode encodeCheckpoint}.
 *
 * @throws {RangeError} On a wrong magic string or a truncated file.
 */
export function decodeCheckpoint<Meta>(
  bytes: Uint8Array,
  where = "the checkpoint",
): CheckpointContent<Meta> {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== MAGIC) {
    throw new RangeError(
      `Cannot read ${where} as it must start with ${MAGIC}: current value is ${
        JSON.stringify(magic)
      }`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)),
  ) as {
    meta: Meta;
    tensors: { name: string; shape: number[]; dtype: "float32" | "int32" }[];
  };
  const tensors = new Map<string, StoredTensor>();
  let offset = 12 + headerLength;
  for (const entry of header.tensors) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * count > bytes.length) {
      throw new RangeError(
        `Cannot read ${where} as tensor ${entry.name} must have ${count} values: current value is ${
          Math.max(0, (bytes.length - offset) / 4)
        } (truncated)`,
      );
    }
    const copy = new ArrayBuffer(4 * count);
    const copyView = new DataView(copy);
    for (let i = 0; i < count; i++) {
      copyView.setUint32(4 * i, view.getUint32(offset + 4 * i, true), true);
    }
    const values = entry.dtype === "int32"
      ? new Int32Array(copy)
      : new Float32Array(copy);
    tensors.set(entry.name, { shape: entry.shape, dtype: entry.dtype, values });
    offset += 4 * count;
  }
  return { meta: header.meta, tensors };
}

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same folder,
 * flushed, then renamed over `path`.
 */
export const writeFileAtomically = writeFileAtomic;

/** Reads a checkpoint file, or returns `undefined` when there is none. */
export async function readCheckpoint<Meta>(
  path: string,
): Promise<CheckpointContent<Meta> | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return decodeCheckpoint<Meta>(bytes, path);
}
