/**
 * One entry point for exporting any kit model to ONNX, and for writing the
 * result to disk without ever leaving a half-written file.
 *
 * @module
 */

import type { Model } from "../models/model.ts";
import { exportOlmo } from "./olmo.ts";
import { exportResNet } from "./resnet.ts";
import { writeFileAtomic } from "./runtime.ts";

/** Options of {@linkcode exportModel}. */
export interface ExportOptions {
  /**
   * Fixed `[height, width]` of a vision model's input; symbolic when absent.
   * Ignored for language models.
   * @default {undefined}
   */
  readonly imageSize?: readonly [number, number];
  /**
   * Extra `metadata_props` entries stored in the model.
   * @default {{}}
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Exports a kit model (ResNet or OLMo-style transformer) to ONNX opset 17
 * with a symbolic batch dimension, in evaluation mode.
 *
 * @param model The model; its current variable values are copied.
 * @param options Image size and metadata.
 * @returns The serialised ONNX model.
 * @throws {TypeError} When the model's kind is unknown or a variable is
 *   missing.
 *
 * @example Export and save a tiny ResNet
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createResNet } from "../models/resnet.ts";
 * import { exportModel, saveOnnx } from "./export.ts";
 *
 * await tf.setBackend("cpu");
 * const model = createResNet({ preset: "resnet-tiny" });
 * const dir = await Deno.makeTempDir();
 * await saveOnnx(`${dir}/tiny.onnx`, exportModel(model));
 * model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function exportModel(
  model: Model,
  options: ExportOptions = {},
): Uint8Array {
  switch (model.kind) {
    case "resnet":
      return exportResNet(model, options);
    case "olmo":
      return exportOlmo(model, { metadata: options.metadata });
    default:
      throw new TypeError(
        `Cannot export the model as its kind must be "resnet" or "olmo": current value is ${
          JSON.stringify((model as { kind: unknown }).kind)
        }`,
      );
  }
}

/**
 * Writes an ONNX model to `path` atomically: to a temporary file in the same
 * folder, renamed into place once complete.
 *
 * @param path The destination, conventionally ending in `.onnx`.
 * @param bytes The serialised model.
 * @returns Resolves once the file is in place.
 */
export async function saveOnnx(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes);
}
