/**
 * The {@linkcode Model} contract shared by every network of the kit.
 *
 * A model is a plain object holding named `tf.Variable`s and an `apply`
 * function written with `@tensorflow/tfjs-core` ops only. Optimizers,
 * Hessian-vector products, checkpoints and the ONNX exporter all walk the
 * same two maps, so the names and their order are part of the contract.
 *
 * Layouts:
 * - convolution kernels `[kernelHeight, kernelWidth, inChannels, outChannels]`
 *   (tfjs layout), dense weights `[in, out]`, images NHWC;
 * - batch norm: `gamma`, `beta` parameters and `runningMean`, `runningVar`
 *   buffers, momentum 0.1 (PyTorch convention: `running = 0.9 running +
 *   0.1 batch`, the variance unbiased), epsilon 1e-5;
 * - OLMo-style transformers: pre-norm, non-parametric layer norm (no gain, no
 *   bias), rotary position embedding, SwiGLU MLP, optional weight tying, no
 *   biases anywhere.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs-core";

/** The two families of networks the kit trains. */
export type ModelKind = "resnet" | "olmo";

/** Options of {@linkcode Model.apply}. */
export interface ApplyOptions {
  /**
   * Training mode: batch norm normalises with the batch statistics and
   * updates its running buffers. Evaluation mode uses the running buffers and
   * changes nothing.
   */
  training: boolean;
}

/**
 * A network as a plain object of named variables and a forward function.
 *
 * Note: `apply` in training mode assigns the batch-norm buffers as a side
 * effect; call it inside `tf.tidy` or an optimizer's `minimize` as usual, the
 * buffers themselves are variables and survive the tidy.
 */
export interface Model {
  /** The family of the network. */
  readonly kind: ModelKind;
  /** The resolved configuration the model was built from; JSON-serialisable. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Trainable parameters, in a fixed, documented order, named by path
   * (`"stem.conv.kernel"`, `"layer1.0.bn1.gamma"`, `"blocks.3.attn.wq"`).
   */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Non-trainable state (batch-norm running mean and variance). */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /**
   * The forward pass.
   *
   * Vision: float32 NHWC `[batch, height, width, channels]` to logits
   * `[batch, classes]`. Language: int32 `[batch, time]` token ids to logits
   * `[batch, time, vocabulary]`.
   */
  apply(input: tf.Tensor, options: ApplyOptions): tf.Tensor;
  /** The number of scalar trainable parameters (tied weights counted once). */
  parameterCount(): number;
  /** Disposes every parameter and buffer; the model is unusable afterwards. */
  dispose(): void;
}

/**
 * Sums the element counts of a map of variables.
 *
 * @param variables The variables to count.
 * @returns The total number of scalars.
 *
 * @example Count two variables
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { countElements } from "./model.ts";
 *
 * await tf.setBackend("cpu");
 * const vars = new Map([
 *   ["a", tf.variable(tf.zeros([2, 3]))],
 *   ["b", tf.variable(tf.zeros([4]))],
 * ]);
 * if (countElements(vars) !== 10) throw new Error("unexpected count");
 * ```
 */
export function countElements(
  variables: ReadonlyMap<string, tf.Variable>,
): number {
  let total = 0;
  for (const variable of variables.values()) total += variable.size;
  return total;
}
