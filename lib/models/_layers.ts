// Building blocks shared by the models: initialisers that draw from the kit's
// seeded generator (so that weights are identical on every backend), and the
// few layers written with tfjs-core ops.

import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../data/random.ts";

// tf.variable() keeps its initial tensor registered; tidy disposes it while
// the variable (which tidy never touches) shares and keeps the data.
function variableFrom(
  build: () => tf.Tensor,
  trainable = true,
): tf.Variable {
  return tf.tidy(() => tf.variable(build(), trainable));
}

/** A float32 variable of `shape` filled with `standardDeviation * N(0, 1)`. */
export function normalVariable(
  random: Random,
  shape: number[],
  standardDeviation: number,
): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    values[i] = standardDeviation * random.normal();
  }
  return variableFrom(() => tf.tensor(values, shape, "float32"));
}

/** A float32 variable of `shape` filled uniformly from [-bound, bound). */
export function uniformVariable(
  random: Random,
  shape: number[],
  bound: number,
): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    values[i] = bound * (2 * random.uniform() - 1);
  }
  return variableFrom(() => tf.tensor(values, shape, "float32"));
}

/** A float32 variable of `shape` filled with `value`. */
export function constantVariable(
  shape: number[],
  value: number,
  trainable = true,
): tf.Variable {
  return variableFrom(() => tf.fill(shape, value, "float32"), trainable);
}

/**
 * A convolution with PyTorch-style symmetric zero padding, so that stride-2
 * layers see the same pixels as the reference implementations (tfjs "same"
 * padding puts the extra row at the bottom instead).
 */
export function conv2d(
  input: tf.Tensor4D,
  kernel: tf.Tensor4D,
  stride: number,
  padding: number,
): tf.Tensor4D {
  if (padding === 0) return tf.conv2d(input, kernel, stride, "valid");
  const pad: [[number, number], [number, number], [number, number], [
    number,
    number,
  ]] = [[0, 0], [padding, padding], [padding, padding], [0, 0]];
  return tf.conv2d(input, kernel, stride, pad);
}

/** The variables of one batch-norm layer. */
export interface BatchNormVariables {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/** Fresh batch-norm variables: gamma 1, beta 0, mean 0, variance 1. */
export function batchNormVariables(channels: number): BatchNormVariables {
  return {
    gamma: constantVariable([channels], 1),
    beta: constantVariable([channels], 0),
    runningMean: constantVariable([channels], 0, false),
    runningVar: constantVariable([channels], 1, false),
  };
}

/** PyTorch's batch-norm momentum: running = 0.9 running + 0.1 batch. */
export const BATCH_NORM_MOMENTUM = 0.1;
/** The variance guard of batch norm. */
export const BATCH_NORM_EPSILON = 1e-5;

/**
 * Batch norm over the N, H, W axes of an NHWC tensor.
 *
 *     training:   y = gamma (x - mean_B) / sqrt(var_B + eps) + beta
 *                 running_mean <- (1 - m) running_mean + m mean_B
 *                 running_var  <- (1 - m) running_var  + m var_B n / (n - 1)
 *     evaluation: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta
 *
 * with `mean_B`, `var_B` the biased batch statistics over `n = N H W` values
 * per channel and `m` the momentum 0.1.
 */
export function batchNorm(
  input: tf.Tensor4D,
  variables: BatchNormVariables,
  training: boolean,
): tf.Tensor4D {
  const { gamma, beta, runningMean, runningVar } = variables;
  if (!training) {
    return tf.batchNorm4d(
      input,
      runningMean as tf.Tensor1D,
      runningVar as tf.Tensor1D,
      beta as tf.Tensor1D,
      gamma as tf.Tensor1D,
      BATCH_NORM_EPSILON,
    );
  }
  const { mean, variance } = tf.moments(input, [0, 1, 2]);
  const [batch, height, width] = input.shape;
  const count = batch * height * width;
  const unbiased = count > 1 ? count / (count - 1) : 1;
  const m = BATCH_NORM_MOMENTUM;
  tf.tidy(() => {
    runningMean.assign(
      tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)),
    );
    runningVar.assign(
      tf.add(tf.mul(runningVar, 1 - m), tf.mul(variance, m * unbiased)),
    );
  });
  const normalised = tf.div(
    tf.sub(input, mean),
    tf.sqrt(tf.add(variance, BATCH_NORM_EPSILON)),
  );
  return tf.add(tf.mul(normalised, gamma), beta) as tf.Tensor4D;
}

/**
 * Non-parametric layer norm over the last axis (no gain, no bias):
 *
 *     y = (x - mean(x)) / sqrt(var(x) + eps)
 */
export function layerNorm(input: tf.Tensor, epsilon: number): tf.Tensor {
  const axis = input.rank - 1;
  const { mean, variance } = tf.moments(input, axis, true);
  return tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, epsilon)));
}
