/**
 * ONNX counterparts of the layers in lib/models/_layers.ts, written against a
 * {@linkcode GraphBuilder}: each function adds the nodes (and the
 * initializers copied from tfjs variables) for one layer and returns the
 * name of its output.
 *
 * Layout convention: inside an exported vision graph activations are NCHW,
 * the layout of ONNX's Conv; tfjs convolution kernels `[kh, kw, in, out]` are
 * transposed to `[out, in, kh, kw]` when copied. Graph inputs stay NHWC like
 * the tfjs models', with one Transpose at the entry (see
 * {@linkcode nhwcToNchw}).
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs-core";
import type { GraphBuilder } from "./graph.ts";

/** The batch-norm epsilon of the kit's models (lib/models/_layers.ts). */
export const BATCH_NORM_EPSILON = 1e-5;

/**
 * Transposes an NHWC tensor to NCHW.
 *
 * @param graph The graph to extend.
 * @param input The NHWC value.
 * @returns The NCHW value.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from "./graph.ts";
 * import { nhwcToNchw } from "./layers.ts";
 *
 * const graph = new GraphBuilder("g");
 * graph.input("x", "float32", ["batch", 4, 4, 3]);
 * const y = nhwcToNchw(graph, "x");
 * if (graph.nodeCount !== 1 || y === "x") throw new Error("no transpose");
 * ```
 */
export function nhwcToNchw(graph: GraphBuilder, input: string): string {
  return graph.node("Transpose", [input], {
    output: graph.freshName("nchw"),
    attributes: { perm: { ints: [0, 3, 1, 2] } },
  });
}

/** Options of {@linkcode conv2d}. */
export interface Conv2dOptions {
  /** The stride along height and width. */
  readonly stride: number;
  /** Symmetric zero padding on each side of height and width. */
  readonly padding: number;
  /** The name stem of the kernel initializer and the output. */
  readonly name: string;
}

/**
 * A bias-free 2-D convolution on NCHW activations with symmetric padding,
 * the ONNX form of `conv2d` in lib/models/_layers.ts:
 *
 *     y[n, o, i, j] = sum_{c, u, v} W[o, c, u, v] x_pad[n, c, s i + u, s j + v]
 *
 * where `x_pad` is `x` zero-padded by `p` on each side, `s` the stride and
 * `W` the tfjs kernel `[kh, kw, in, out]` transposed to `[out, in, kh, kw]`.
 *
 * @param graph The graph to extend.
 * @param input The NCHW input.
 * @param kernel The tfjs kernel `[kh, kw, inChannels, outChannels]`.
 * @param options Stride, padding and name.
 * @returns The NCHW output.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { GraphBuilder } from "./graph.ts";
 * import { conv2d } from "./layers.ts";
 *
 * await tf.setBackend("cpu");
 * const graph = new GraphBuilder("g");
 * graph.input("x", "float32", ["batch", 3, 8, 8]);
 * const kernel = tf.ones([3, 3, 3, 4]);
 * conv2d(graph, "x", kernel, { stride: 1, padding: 1, name: "conv" });
 * if (graph.initializerCount !== 1) throw new Error("kernel not copied");
 * ```
 */
export function conv2d(
  graph: GraphBuilder,
  input: string,
  kernel: tf.Tensor,
  options: Conv2dOptions,
): string {
  const { stride, padding, name } = options;
  const [kernelHeight, kernelWidth] = kernel.shape;
  const weight = graph.tensor(`${name}.kernel`, kernel, [3, 2, 0, 1]);
  return graph.node("Conv", [input, weight], {
    output: name,
    attributes: {
      kernel_shape: { ints: [kernelHeight, kernelWidth] },
      strides: { ints: [stride, stride] },
      pads: { ints: [padding, padding, padding, padding] },
      dilations: { ints: [1, 1] },
      group: { int: 1 },
    },
  });
}

/** The four variables of a batch-norm layer, as in lib/models/_layers.ts. */
export interface BatchNormTensors {
  readonly gamma: tf.Tensor;
  readonly beta: tf.Tensor;
  readonly runningMean: tf.Tensor;
  readonly runningVar: tf.Tensor;
}

/**
 * Batch norm in inference mode over the channel axis of NCHW activations,
 * with the running statistics copied as constants:
 *
 *     y = gamma (x - runningMean) / sqrt(runningVar + eps) + beta
 *
 * @param graph The graph to extend.
 * @param input The NCHW input.
 * @param tensors gamma, beta, runningMean, runningVar, each `[channels]`.
 * @param name The name stem of the initializers and the output.
 * @param epsilon The variance guard.
 * @default epsilon 1e-5
 * @returns The NCHW output.
 */
export function batchNorm(
  graph: GraphBuilder,
  input: string,
  tensors: BatchNormTensors,
  name: string,
  epsilon: number = BATCH_NORM_EPSILON,
): string {
  return graph.node(
    "BatchNormalization",
    [
      input,
      graph.tensor(`${name}.gamma`, tensors.gamma),
      graph.tensor(`${name}.beta`, tensors.beta),
      graph.tensor(`${name}.runningMean`, tensors.runningMean),
      graph.tensor(`${name}.runningVar`, tensors.runningVar),
    ],
    { output: name, attributes: { epsilon: { float: epsilon } } },
  );
}

/**
 * A dense layer over the last axis, any leading axes:
 *
 *     y = x W (+ b)
 *
 * with `W` the tfjs weight `[in, out]` copied unchanged and `b` an optional
 * `[out]` bias.
 *
 * @param graph The graph to extend.
 * @param input The input `[..., in]`.
 * @param weight The weight `[in, out]`, or the name of an existing
 *   initializer holding it (for tied weights).
 * @param name The name stem of the initializers and the output.
 * @param bias The optional bias `[out]`.
 * @returns The output `[..., out]`.
 */
export function dense(
  graph: GraphBuilder,
  input: string,
  weight: tf.Tensor | string,
  name: string,
  bias?: tf.Tensor,
): string {
  const weightName = typeof weight === "string"
    ? weight
    : graph.tensor(`${name}.weight`, weight);
  if (bias === undefined) {
    return graph.node("MatMul", [input, weightName], { output: name });
  }
  const product = graph.node("MatMul", [input, weightName]);
  return graph.node("Add", [product, graph.tensor(`${name}.bias`, bias)], {
    output: name,
  });
}

/**
 * Non-parametric layer norm over the last axis, as ONNX's
 * LayerNormalization (opset 17) with a constant unit scale and no bias:
 *
 *     y = (x - mean(x)) / sqrt(var(x) + eps)
 *
 * with the biased variance over the last axis.
 *
 * @param graph The graph to extend.
 * @param input The input `[..., width]`.
 * @param width The size of the last axis.
 * @param name The output's name.
 * @param epsilon The variance guard.
 * @returns The normalised value.
 */
export function layerNorm(
  graph: GraphBuilder,
  input: string,
  width: number,
  name: string,
  epsilon: number,
): string {
  const onesName = `layer_norm.unit_scale.${width}`;
  const scale = graph.has(onesName)
    ? onesName
    : graph.constant(onesName, "float32", new Float32Array(width).fill(1), [
      width,
    ]);
  return graph.node("LayerNormalization", [input, scale], {
    output: name,
    attributes: { axis: { int: -1 }, epsilon: { float: epsilon } },
  });
}
