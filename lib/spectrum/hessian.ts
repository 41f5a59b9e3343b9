/**
 * Hessian-vector products of a loss written with `@tensorflow/tfjs-core`,
 * as a {@linkcode LinearOperator} for the estimators of `./lanczos.ts`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import {
  requireChoice,
  requireOptions,
  requirePositive,
} from "../_validate.ts";
import type { LinearOperator } from "./lanczos.ts";

/** A scalar loss of a list of parameter tensors. */
export type TensorLoss = (params: tf.Tensor[]) => tf.Scalar;

/** Options of {@linkcode hessianOperator}. */
export interface HessianOperatorOptions {
  /**
   * How products are formed: central differences of gradients, or
   * differentiating the gradient a second time.
   * @default {"finite-difference"}
   */
  method?: "finite-difference" | "double-backprop";
  /**
   * Finite-difference step, relative to `max(1, rms(params))`, along a unit
   * direction.
   * @default {1e-2}
   */
  relativeStep?: number;
}

/**
 * The Hessian of `loss` at `params` as an operator on flat Float64 vectors
 * (the parameters concatenated in order, each flattened row-major).
 *
 * ```text
 * finite-difference:  H v ≈ (∇f(x + h v) - ∇f(x - h v)) / (2h),
 *                     h = relativeStep · max(1, rms(x)) / ||v||
 * double-backprop:    H v = ∇_x (∇f(x) · v)
 * ```
 * The central difference is exact for quadratics up to float32 rounding and
 * has an O(h²) error otherwise; each product costs two gradients.
 *
 * Note: the gradients come from `tf.grads`, so the kernels' gradients must
 * be registered (`useBackend` of `lib/engine/backend.ts` loads the package
 * `@tensorflow/tfjs`, which registers them; the Node
 * build of `@tensorflow/tfjs-core` alone registers none). Double backprop
 * also needs the second-order gradients of every kernel the first backward
 * pass runs. It matches the exact Hessian for linear maps (checked on a
 * quadratic and on linear regression), but with the gradients registered by
 * `@tensorflow/tfjs` 4.22.0 a logistic loss written with `exp` and `log`
 * gave wrong products (likely because gradients that reuse a kernel's saved
 * output treat it as a constant). Finite differences, the default, have no
 * such limit and cost two gradients per product.
 *
 * @param loss The loss as a function of the parameter tensors.
 * @param params The point at which to take the Hessian (not modified).
 * @param options The product method.
 * @returns The operator, with `dimension` the total parameter count.
 * @throws {RangeError} If `params` is empty or `relativeStep <= 0`.
 * @throws {TypeError} If `method` is unknown.
 *
 * @example Products of the Hessian of a quadratic
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { useBackend } from "../engine/backend.ts";
 * import { hessianOperator } from "./hessian.ts";
 *
 * await useBackend("cpu"); // registers tfjs's gradient functions too
 * const a = tf.tensor2d([[2, 1], [1, 3]]);
 * const loss = ([w]: tf.Tensor[]) =>
 *   tf.mul(tf.scalar(0.5), tf.sum(tf.mul(w, tf.reshape(tf.matMul(a, tf.reshape(w, [2, 1])), [2])))) as tf.Scalar;
 * const hessian = hessianOperator(loss, [tf.tensor1d([0.3, -1])]);
 * const product = await hessian.apply(Float64Array.from([1, 0]));
 * if (Math.abs(product[0] - 2) > 1e-2 || Math.abs(product[1] - 1) > 1e-2) {
 *   throw new Error(`unexpected product ${product}`);
 * }
 * ```
 */
export function hessianOperator(
  loss: TensorLoss,
  params: tf.Tensor[],
  options: HessianOperatorOptions = {},
): LinearOperator {
  const action = "build hessian operator";
  requireOptions(action, options);
  const { method = "finite-difference", relativeStep = 1e-2 } = options;
  requireChoice(
    action,
    "method",
    method,
    [
      "finite-difference",
      "double-backprop",
    ] as const,
  );
  requirePositive(action, "relativeStep", relativeStep);
  if (!Array.isArray(params) || params.length === 0) {
    throw new RangeError(
      `Cannot ${action} as params must be a non-empty array of tensors: current length is ${
        Array.isArray(params) ? 0 : String(params)
      }`,
    );
  }
  const shapes = params.map((param) => param.shape);
  const sizes = params.map((param) => param.size);
  const dimension = sizes.reduce((a, b) => a + b, 0);
  const point = flatten(params.map((param) => param.dataSync()), dimension);
  let squares = 0;
  for (const x of point) squares += x * x;
  const scale = relativeStep * Math.max(1, Math.sqrt(squares / dimension));
  const gradient = tf.grads((...x: tf.Tensor[]) => loss(x));

  const split = (vector: Float64Array): tf.Tensor[] => {
    const pieces: tf.Tensor[] = [];
    let offset = 0;
    for (let k = 0; k < shapes.length; k++) {
      const piece = Float32Array.from(
        vector.subarray(offset, offset + sizes[k]),
      );
      pieces.push(tf.tensor(piece, shapes[k], "float32"));
      offset += sizes[k];
    }
    return pieces;
  };
  // Runs `compute` in a tidy scope and reads its tensors out, flattened.
  const read = (compute: () => tf.Tensor[]): Float64Array => {
    const tensors = tf.tidy(compute);
    const flat = flatten(tensors.map((t) => t.dataSync()), dimension);
    tf.dispose(tensors);
    return flat;
  };
  const gradientAt = (vector: Float64Array): Float64Array =>
    read(() => gradient(split(vector)));

  const finiteDifference = (v: Float64Array): Float64Array => {
    let size = 0;
    for (const x of v) size += x * x;
    size = Math.sqrt(size);
    if (size === 0) return new Float64Array(dimension);
    const h = scale / size;
    const plus = gradientAt(point.map((x, i) => x + h * v[i]));
    const minus = gradientAt(point.map((x, i) => x - h * v[i]));
    return plus.map((x, i) => (x - minus[i]) / (2 * h));
  };

  const doubleBackprop = (v: Float64Array): Float64Array =>
    read(() => {
      const direction = split(v);
      const directional = (...x: tf.Tensor[]) =>
        tf.addN(gradient(x).map((g, k) => tf.sum(tf.mul(g, direction[k]))));
      return tf.grads(directional)(split(point));
    });

  return {
    dimension,
    apply: method === "finite-difference" ? finiteDifference : doubleBackprop,
  };
}

function flatten(
  pieces: ArrayLike<number>[],
  dimension: number,
): Float64Array {
  const flat = new Float64Array(dimension);
  let offset = 0;
  for (const piece of pieces) {
    flat.set(piece, offset);
    offset += piece.length;
  }
  return flat;
}
