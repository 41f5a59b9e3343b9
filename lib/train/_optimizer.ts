// A minimal optimizer adapter for the training loop: SGD (momentum,
// Nesterov, L2 weight decay), Adam (L2) and AdamW (decoupled decay) over the
// named parameters of a Model, with state that a checkpoint can save.
//
// The update rules follow PyTorch's torch.optim.SGD / Adam / AdamW:
//
//   SGD:   g = grad + wd p;  b = mu b + g;  d = nesterov ? g + mu b : b;
//          p = p - lr d
//   Adam:  g = grad + wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//          p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
//   AdamW: p = p (1 - lr wd), then Adam with wd = 0
//
// with t the 1-based update count.

import * as tf from "@tensorflow/tfjs-core";
import { requireChoice, requireNonNegative } from "../_validate.ts";
import type { OptimizerSpec } from "./types.ts";

/** The saved state of an optimizer: counters and named slot tensors. */
export interface OptimizerState {
  updates: number;
  slots: Map<string, tf.Tensor>;
}

/** What the training loop needs from an optimizer. */
export interface TrainOptimizer {
  /** Applies one update with learning rate `lr`. */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void;
  /** A copy of the state (the caller disposes the tensors). */
  getState(): OptimizerState;
  /** Restores a state from {@linkcode TrainOptimizer.getState}. */
  setState(state: OptimizerState): void;
  /** Frees the slot variables. */
  dispose(): void;
}

export function createOptimizer(
  spec: OptimizerSpec,
  params: ReadonlyMap<string, tf.Variable>,
): TrainOptimizer {
  const action = "create an optimizer";
  requireChoice(action, "name", spec.name, ["sgd", "adam", "adamw"] as const);
  const momentum = spec.momentum ?? 0;
  const weightDecay = spec.weightDecay ?? 0;
  const beta1 = spec.beta1 ?? 0.9;
  const beta2 = spec.beta2 ?? 0.999;
  const epsilon = spec.epsilon ?? 1e-8;
  const nesterov = spec.nesterov ?? false;
  requireNonNegative(action, "momentum", momentum);
  requireNonNegative(action, "weightDecay", weightDecay);
  requireNonNegative(action, "beta1", beta1);
  requireNonNegative(action, "beta2", beta2);
  requireNonNegative(action, "epsilon", epsilon);

  const slotNames = spec.name === "sgd"
    ? (momentum > 0 ? ["momentum"] : [])
    : ["m", "v"];
  const slots = new Map<string, tf.Variable>();
  for (const [name, p] of params) {
    for (const slot of slotNames) {
      slots.set(
        `${slot}:${name}`,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
    }
  }
  let updates = 0;

  const step = (grads: ReadonlyMap<string, tf.Tensor>, lr: number) => {
    updates += 1;
    const t = updates;
    tf.tidy(() => {
      for (const [name, p] of params) {
        const grad = grads.get(name);
        if (grad === undefined) continue;
        if (spec.name === "sgd") {
          let g = weightDecay > 0 ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
          if (momentum > 0) {
            const b = slots.get(`momentum:${name}`)!;
            b.assign(tf.add(tf.mul(b, momentum), g));
            g = nesterov ? tf.add(g, tf.mul(b, momentum)) : b;
          }
          p.assign(tf.sub(p, tf.mul(g, lr)));
          continue;
        }
        let g = grad;
        if (spec.name === "adam" && weightDecay > 0) {
          g = tf.add(g, tf.mul(p, weightDecay));
        }
        const m = slots.get(`m:${name}`)!;
        const v = slots.get(`v:${name}`)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const mHat = tf.div(m, 1 - beta1 ** t);
        const vHat = tf.div(v, 1 - beta2 ** t);
        const base = spec.name === "adamw" && weightDecay > 0
          ? tf.mul(p, 1 - lr * weightDecay)
          : p;
        p.assign(
          tf.sub(
            base,
            tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), lr),
          ),
        );
      }
    });
  };

  return {
    step,
    getState: () => ({
      updates,
      slots: new Map([...slots].map(([k, v]) => [k, tf.clone(v)])),
    }),
    setState: (state) => {
      updates = state.updates;
      for (const [name, slot] of slots) {
        const value = state.slots.get(name);
        if (value === undefined) {
          throw new RangeError(
            `Cannot restore the optimizer as slot ${name} must be in the state: current value is [${
              [...state.slots.keys()].join(", ")
            }]`,
          );
        }
        slot.assign(value);
      }
    },
    dispose: () => {
      for (const slot of slots.values()) slot.dispose();
    },
  };
}
