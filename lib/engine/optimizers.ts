/**
 * Optimizers with PyTorch semantics whose learning rate is an argument of
 * every step, so that a {@linkcode Schedule} drives them without rebuilding
 * anything:
 *
 * ```ts ignore
 * optimizer.step(grads, schedule(t));
 * ```
 *
 * - {@linkcode sgd}: SGD with momentum, Nesterov momentum and coupled (L2)
 *   weight decay, as `torch.optim.SGD`.
 * - {@linkcode adam}: Adam with coupled (L2) weight decay, as
 *   `torch.optim.Adam`.
 * - {@linkcode adamw}: Adam with decoupled weight decay, as
 *   `torch.optim.AdamW`.
 * - {@linkcode clipByGlobalNorm}: gradient clipping by global norm, as
 *   `torch.nn.utils.clip_grad_norm_`.
 *
 * Every optimizer exports its state as plain typed arrays
 * ({@linkcode Optimizer.getState}) and restores it
 * ({@linkcode Optimizer.setState}); a restored optimizer continues
 * bit-identically on the same backend.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Schedule } from "../schedule.ts";
import {
  requireFinite,
  requireInRange,
  requireNonNegative,
  requireOptions,
  requirePositive,
} from "../_validate.ts";

/** Gradients by parameter name: the keys of the optimizer's parameter map,
 * or the tfjs names of the variables (as `tf.variableGrads` returns them). */
export type Gradients =
  | ReadonlyMap<string, tf.Tensor>
  | Readonly<Record<string, tf.Tensor>>;

/** An optimizer's full state as plain data, for checkpoints. */
export interface OptimizerState {
  /** The optimizer family: `"sgd"`, `"adam"` or `"adamw"`. */
  kind: string;
  /** Steps taken so far. */
  step: number;
  /** Per-parameter buffers, keyed `<buffer>/<parameter name>`. */
  slots: Record<string, Float32Array>;
}

/** An optimizer over a fixed, named set of variables. */
export interface Optimizer {
  /** The family and its hyper-parameters, e.g. `"adamw(0.9, 0.999)"`. */
  readonly name: string;
  /** Steps taken so far (restored by {@linkcode Optimizer.setState}). */
  readonly stepCount: number;
  /**
   * Updates every parameter that has a gradient, in place, with learning
   * rate `lr`. Parameters without a gradient are left untouched, and so are
   * their buffers. Gradients are read, not disposed.
   *
   * @throws {RangeError} when `lr` is negative or not finite.
   */
  step(grads: Gradients, lr: number): void;
  /** Copies the state out of the backend (async: WebGPU reads are). */
  getState(): Promise<OptimizerState>;
  /**
   * Replaces the state by `state`.
   *
   * @throws {TypeError} when `state` belongs to another family or does not
   * match the parameters' shapes.
   */
  setState(state: OptimizerState): void;
  /** Frees the optimizer's buffers (not the parameters). */
  dispose(): void;
}

/** Options of {@linkcode sgd}. */
export interface SgdOptions {
  /** Momentum factor mu. @default 0 */
  momentum?: number;
  /** Dampening of the momentum buffer. @default 0 */
  dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). @default false */
  nesterov?: boolean;
  /** L2 penalty lambda, added to the gradient. @default 0 */
  weightDecay?: number;
}

/** Options of {@linkcode adam} and {@linkcode adamw}. */
export interface AdamOptions {
  /** Decay of the first moment. @default 0.9 */
  beta1?: number;
  /** Decay of the second moment. @default 0.999 */
  beta2?: number;
  /** Added to the root of the second moment. @default 1e-8 */
  epsilon?: number;
  /** Weight decay lambda: an L2 penalty on the gradient for `adam`,
   * decoupled shrinking of the weights for `adamw`.
   * @default 0 for adam, 0.01 for adamw */
  weightDecay?: number;
}

type Params = ReadonlyMap<string, tf.Variable>;

function lookup(
  grads: Gradients,
  name: string,
  variable: tf.Variable,
): tf.Tensor | undefined {
  if (grads instanceof Map) {
    return grads.get(name) ?? grads.get(variable.name);
  }
  const record = grads as Readonly<Record<string, tf.Tensor>>;
  return record[name] ?? record[variable.name];
}

function requireParams(action: string, params: unknown): void {
  if (!(params instanceof Map)) {
    throw new TypeError(
      `Cannot ${action} as params must be a Map of variables: current value is ${typeof params}`,
    );
  }
}

/** Buffers of one kind ("momentum", "expAvg", ...) per parameter, created
 * lazily as zeros or from a first value. */
class Slots {
  readonly #buffers = new Map<string, tf.Variable>();

  get(key: string): tf.Variable | undefined {
    return this.#buffers.get(key);
  }

  set(key: string, value: tf.Tensor): void {
    const known = this.#buffers.get(key);
    if (known === undefined) {
      this.#buffers.set(key, tf.variable(value, false));
    } else {
      known.assign(value);
    }
  }

  async export(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const [key, buffer] of this.#buffers) {
      out[key] = Float32Array.from(await buffer.data() as Float32Array);
    }
    return out;
  }

  replace(slots: Record<string, Float32Array>, shapes: Map<string, number[]>) {
    this.clear();
    for (const [key, values] of Object.entries(slots)) {
      const param = key.slice(key.indexOf("/") + 1);
      const shape = shapes.get(param);
      if (
        shape === undefined || tf.util.sizeFromShape(shape) !== values.length
      ) {
        throw new TypeError(
          `Cannot restore the optimizer as slot "${key}" must match a parameter's size: current value is ${values.length} values`,
        );
      }
      this.#buffers.set(key, tf.variable(tf.tensor(values, shape), false));
    }
  }

  clear(): void {
    for (const buffer of this.#buffers.values()) buffer.dispose();
    this.#buffers.clear();
  }
}

function shapesOf(params: Params): Map<string, number[]> {
  return new Map([...params].map(([name, v]) => [name, v.shape]));
}

const displayNames: Record<string, string> = {
  sgd: "an SGD",
  adam: "an Adam",
  adamw: "an AdamW",
};

function requireLearningRate(kind: string, lr: number): void {
  requireNonNegative(`take ${displayNames[kind]} step`, "lr", lr);
}

function requireState(kind: string, state: OptimizerState): void {
  if (state?.kind !== kind) {
    throw new TypeError(
      `Cannot restore the optimizer as the state must come from ${kind}: current value is ${state?.kind}`,
    );
  }
  if (!Number.isInteger(state.step) || state.step < 0) {
    throw new TypeError(
      `Cannot restore the optimizer as step must be an integer >= 0: current value is ${state.step}`,
    );
  }
}

/**
 * Stochastic gradient descent with momentum, as `torch.optim.SGD`:
 *
 * ```text
 * g = grad + lambda p
 * b = g                            (first step)
 * b = mu b + (1 - dampening) g     (later steps)
 * d = g + mu b  (nesterov)   or   d = b   (otherwise; d = g when mu = 0)
 * p = p - lr d
 * ```
 *
 * with `p` a parameter, `b` its momentum buffer, `mu` the momentum and
 * `lambda` the weight decay.
 *
 * @param params The variables to train, by name.
 * @param options Momentum and weight decay.
 * @returns The optimizer.
 * @throws {RangeError} on a momentum outside [0, 1), a negative dampening or
 * weight decay, or Nesterov without momentum or with dampening.
 *
 * @example One step of plain SGD
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { sgd } from "./optimizers.ts";
 *
 * await tf.setBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const optimizer = sgd(new Map([["w", w]]));
 * optimizer.step(new Map([["w", tf.tensor1d([10, 10])]]), 0.1);
 * const [a, b] = w.dataSync();
 * if (a !== 0 || b !== 1) throw new Error("unexpected update");
 * ```
 */
export function sgd(params: Params, options: SgdOptions = {}): Optimizer {
  const action = "create an SGD optimizer";
  requireParams(action, params);
  requireOptions(action, options);
  const {
    momentum = 0,
    dampening = 0,
    nesterov = false,
    weightDecay = 0,
  } = options;
  requireInRange(action, "momentum", momentum, {
    low: 0,
    high: 1,
    highOpen: true,
  });
  requireNonNegative(action, "dampening", dampening);
  requireNonNegative(action, "weightDecay", weightDecay);
  if (nesterov && (momentum === 0 || dampening !== 0)) {
    throw new RangeError(
      `Cannot ${action} as nesterov needs momentum > 0 and dampening 0: current values are momentum=${momentum}, dampening=${dampening}`,
    );
  }
  const slots = new Slots();
  let stepCount = 0;
  return {
    name: `sgd(momentum=${momentum}${nesterov ? ", nesterov" : ""})`,
    get stepCount() {
      return stepCount;
    },
    step(grads, lr) {
      requireLearningRate("sgd", lr);
      for (const [name, p] of params) {
        const grad = lookup(grads, name, p);
        if (grad === undefined) continue;
        tf.tidy(() => {
          let g = weightDecay === 0
            ? grad
            : tf.add(grad, tf.mul(p, weightDecay));
          if (momentum !== 0) {
            const key = `momentum/${name}`;
            const previous = slots.get(key);
            const b = previous === undefined
              ? g
              : tf.add(tf.mul(previous, momentum), tf.mul(g, 1 - dampening));
            slots.set(key, b);
            g = nesterov ? tf.add(g, tf.mul(b, momentum)) : b;
          }
          p.assign(tf.sub(p, tf.mul(g, lr)));
        });
      }
      stepCount++;
    },
    async getState() {
      return { kind: "sgd", step: stepCount, slots: await slots.export() };
    },
    setState(state) {
      requireState("sgd", state);
      slots.replace(state.slots, shapesOf(params));
      stepCount = state.step;
    },
    dispose() {
      slots.clear();
    },
  };
}

function adamFamily(
  kind: "adam" | "adamw",
  params: Params,
  options: AdamOptions,
): Optimizer {
  const action = `create an ${kind === "adam" ? "Adam" : "AdamW"} optimizer`;
  requireParams(action, params);
  requireOptions(action, options);
  const {
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon = 1e-8,
    weightDecay = kind === "adamw" ? 0.01 : 0,
  } = options;
  requireInRange(action, "beta1", beta1, { low: 0, high: 1, highOpen: true });
  requireInRange(action, "beta2", beta2, { low: 0, high: 1, highOpen: true });
  requirePositive(action, "epsilon", epsilon);
  requireNonNegative(action, "weightDecay", weightDecay);
  const slots = new Slots();
  let stepCount = 0;
  return {
    name: `${kind}(${beta1}, ${beta2})`,
    get stepCount() {
      return stepCount;
    },
    step(grads, lr) {
      requireLearningRate(kind, lr);
      const t = stepCount + 1;
      // Bias corrections in float64, as PyTorch computes them in Python.
      const correction1 = 1 - beta1 ** t;
      const correction2Root = Math.sqrt(1 - beta2 ** t);
      const stepSize = lr / correction1;
      for (const [name, p] of params) {
        const grad = lookup(grads, name, p);
        if (grad === undefined) continue;
        tf.tidy(() => {
          let g = grad;
          if (kind === "adamw") {
            if (weightDecay !== 0) p.assign(tf.mul(p, 1 - lr * weightDecay));
          } else if (weightDecay !== 0) {
            g = tf.add(g, tf.mul(p, weightDecay));
          }
          const mKey = `expAvg/${name}`;
          const vKey = `expAvgSq/${name}`;
          const m0 = slots.get(mKey) ?? tf.zerosLike(p);
          const v0 = slots.get(vKey) ?? tf.zerosLike(p);
          const m = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(g), 1 - beta2));
          slots.set(mKey, m);
          slots.set(vKey, v);
          const denominator = tf.add(
            tf.div(tf.sqrt(v), correction2Root),
            epsilon,
          );
          p.assign(tf.sub(p, tf.mul(tf.div(m, denominator), stepSize)));
        });
      }
      stepCount = t;
    },
    async getState() {
      return { kind, step: stepCount, slots: await slots.export() };
    },
    setState(state) {
      requireState(kind, state);
      slots.replace(state.slots, shapesOf(params));
      stepCount = state.step;
    },
    dispose() {
      slots.clear();
    },
  };
}

/**
 * Adam with coupled (L2) weight decay, as `torch.optim.Adam`. At step
 * `t = 1, 2, ...`:
 *
 * ```text
 * g = grad + lambda p
 * m = beta1 m + (1 - beta1) g
 * v = beta2 v + (1 - beta2) g^2
 * p = p - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
 * ```
 *
 * with `m`, `v` the first and second moments (zero before step 1) and
 * `lambda` the weight decay. The moments and `t` do not depend on `lr`, so
 * a schedule can change it at every step.
 *
 * Reference: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic
 * Optimization", ICLR 2015, https://arxiv.org/abs/1412.6980
 *
 * @param params The variables to train, by name.
 * @param options Moment decays, epsilon and weight decay.
 * @returns The optimizer.
 * @throws {RangeError} on a beta outside [0, 1), a non-positive epsilon or a
 * negative weight decay.
 *
 * @example Follow a schedule
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { adam } from "./optimizers.ts";
 *
 * await tf.setBackend("cpu");
 * const w = tf.variable(tf.scalar(1));
 * const optimizer = adam(new Map([["w", w]]));
 * for (const lr of [0.1, 0.05]) {
 *   optimizer.step(new Map([["w", tf.scalar(2)]]), lr);
 * }
 * if (optimizer.stepCount !== 2) throw new Error("unexpected step count");
 * ```
 */
export function adam(params: Params, options: AdamOptions = {}): Optimizer {
  return adamFamily("adam", params, options);
}

/**
 * Adam with decoupled weight decay, as `torch.optim.AdamW`: first
 * `p = p (1 - lr lambda)`, then the Adam update of {@linkcode adam} without
 * the L2 term.
 *
 * Reference: I. Loshchilov, F. Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019, https://arxiv.org/abs/1711.05101
 *
 * @param params The variables to train, by name.
 * @param options Moment decays, epsilon and weight decay.
 * @default weightDecay 0.01, as PyTorch
 * @returns The optimizer.
 * @throws {RangeError} as {@linkcode adam}.
 *
 * @example Shrinks weights even with a zero gradient
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { adamw } from "./optimizers.ts";
 *
 * await tf.setBackend("cpu");
 * const w = tf.variable(tf.scalar(1));
 * adamw(new Map([["w", w]]), { weightDecay: 0.5 })
 *   .step(new Map([["w", tf.scalar(0)]]), 0.1);
 * if (Math.abs(w.dataSync()[0] - 0.95) > 1e-7) throw new Error("no decay");
 * ```
 */
export function adamw(params: Params, options: AdamOptions = {}): Optimizer {
  return adamFamily("adamw", params, options);
}

/** What {@linkcode clipByGlobalNorm} returns. */
export interface ClippedGradients {
  /** The scaled gradients, by the same names; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
  /** The global norm before clipping, a scalar the caller disposes. */
  norm: tf.Scalar;
}

/**
 * Scales all gradients together so that their global norm is at most
 * `maxNorm`, as `torch.nn.utils.clip_grad_norm_`:
 *
 * ```text
 * norm = sqrt(sum over tensors of sum(g^2))
 * g    = g min(1, maxNorm / (norm + 1e-6))
 * ```
 *
 * It never reads data back, so it costs no GPU synchronisation.
 *
 * @param grads Gradients by name.
 * @param maxNorm The largest global norm to keep.
 * @returns New gradient tensors and the norm before clipping.
 * @throws {RangeError} when `maxNorm` is not positive and finite.
 *
 * @example Clip a gradient of norm 5 to norm 1
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { clipByGlobalNorm } from "./optimizers.ts";
 *
 * await tf.setBackend("cpu");
 * const { grads, norm } = clipByGlobalNorm(
 *   new Map([["w", tf.tensor1d([3, 4])]]),
 *   1,
 * );
 * if (Math.abs(norm.dataSync()[0] - 5) > 1e-6) throw new Error("bad norm");
 * const [x, y] = grads.get("w")!.dataSync();
 * if (Math.abs(x - 0.6) > 1e-6 || Math.abs(y - 0.8) > 1e-6) {
 *   throw new Error("bad clip");
 * }
 * ```
 */
export function clipByGlobalNorm(
  grads: Gradients,
  maxNorm: number,
): ClippedGradients {
  requirePositive("clip gradients", "maxNorm", maxNorm);
  const entries: [string, tf.Tensor][] = grads instanceof Map
    ? [...grads]
    : Object.entries(grads as Readonly<Record<string, tf.Tensor>>);
  const [norm, ...scaled] = tf.tidy(() => {
    const squares = entries.map(([, g]) => tf.sum(tf.square(g)));
    const total = tf.sqrt(
      squares.length === 0 ? tf.scalar(0) : tf.addN(squares),
    );
    const scale = tf.minimum(tf.div(maxNorm, tf.add(total, 1e-6)), 1);
    return [total, ...entries.map(([, g]) => tf.mul(g, scale))];
  });
  const clipped = new Map<string, tf.Tensor>();
  entries.forEach(([name], i) => clipped.set(name, scaled[i]));
  return { grads: clipped, norm: norm as tf.Scalar };
}

/**
 * The rate a {@linkcode Schedule} gives at `step`, checked for use as `lr`.
 *
 * @throws {RangeError} when the schedule returns a negative or non-finite
 * rate.
 */
export function rateAt(schedule: Schedule, step: number): number {
  const lr = schedule(step);
  requireFinite(`read ${schedule.name}`, "the rate", lr);
  requireNonNegative(`read ${schedule.name}`, "the rate", lr);
  return lr;
}
