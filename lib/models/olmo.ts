/**
 * An OLMo-style decoder-only transformer, written with tfjs-core ops.
 *
 * The OLMo recipe (Groeneveld et al., 2024): pre-norm blocks with a
 * non-parametric layer norm (no gain, no bias), rotary position embeddings,
 * a SwiGLU MLP, no biases anywhere, and optionally an output head tied to the
 * token embedding.
 *
 *     h = x + Attention(LN(x))            causal, RoPE on queries and keys
 *     y = h + W_down (silu(LN(h) W_gate) * (LN(h) W_up))
 *     logits = LN(x_L) W_head             (W_head = E^T when tied)
 *
 * Reference: D. Groeneveld et al., "OLMo: Accelerating the Science of
 * Language Models", 2024, https://arxiv.org/abs/2402.00838; rotary
 * embeddings: J. Su et al., "RoFormer", https://arxiv.org/abs/2104.09864
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import {
  requireInteger,
  requireOptions,
  requirePositive,
} from "../_validate.ts";
import { Random } from "../data/random.ts";
import { layerNorm, normalVariable } from "./_layers.ts";
import { type ApplyOptions, countElements, type Model } from "./model.ts";

/** The resolved shape of an OLMo-style transformer. */
export interface OlmoConfig {
  /** Number of distinct token ids. */
  vocabularySize: number;
  /** Width of the residual stream. */
  modelDim: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Number of attention heads; divides `modelDim` into an even head size. */
  heads: number;
  /** Hidden width of the SwiGLU MLP (of each of the gate and up maps). */
  mlpDim: number;
  /** Longest sequence `apply` accepts. */
  contextLength: number;
  /** Whether the output head is the transposed token embedding. */
  tieEmbeddings: boolean;
  /** Base of the rotary frequencies. */
  ropeTheta: number;
  /** Variance guard of the layer norms. */
  layerNormEpsilon: number;
  /** Standard deviation of the initial weights. */
  initStd: number;
  /** Seed of the initial weights. */
  seed: number;
}

/** Options of {@linkcode createOlmo}; every field overrides the preset. */
export interface OlmoOptions {
  /** A name from {@linkcode OLMO_PRESETS}. @default "olmo-tiny" */
  preset?: string;
  /** Number of distinct token ids. @default 256 */
  vocabularySize?: number;
  /** Width of the residual stream. */
  modelDim?: number;
  /** Number of transformer blocks. */
  layers?: number;
  /** Number of attention heads. */
  heads?: number;
  /** Hidden width of the SwiGLU MLP. @default 4 * modelDim */
  mlpDim?: number;
  /** Longest sequence `apply` accepts. */
  contextLength?: number;
  /** Whether the output head is the transposed token embedding. @default true */
  tieEmbeddings?: boolean;
  /** Base of the rotary frequencies. @default 10000 */
  ropeTheta?: number;
  /** Variance guard of the layer norms. @default 1e-5 */
  layerNormEpsilon?: number;
  /** Standard deviation of the initial weights. @default 0.02 */
  initStd?: number;
  /** Seed of the initial weights. @default 0 */
  seed?: number;
}

/**
 * Named transformer shapes. The MLP follows OLMo's ratio of 8 (a fused
 * `modelDim x 8 modelDim` input projection halved by SwiGLU), that is
 * `mlpDim = 4 modelDim`, which gives `16 modelDim^2` weights per block. The
 * `-20m`, `-60m` and `-150m` names follow the sizes of OLMo's smallest
 * scaling-ladder runs, counted with their 50,304-token vocabulary and tied
 * embeddings; with a character vocabulary the same shapes hold the
 * non-embedding part only.
 *
 * | preset | modelDim | layers | heads | context | block weights |
 * |---|---|---|---|---|---|
 * | olmo-tiny | 64 | 2 | 4 | 128 | 131,072 |
 * | olmo-small | 128 | 4 | 4 | 256 | 1,048,576 |
 * | olmo-20m | 256 | 8 | 8 | 1024 | 8,388,608 |
 * | olmo-60m | 384 | 16 | 12 | 1024 | 37,748,736 |
 * | olmo-150m | 768 | 12 | 12 | 1024 | 113,246,208 |
 */
export const OLMO_PRESETS: Readonly<
  Record<
    string,
    { modelDim: number; layers: number; heads: number; contextLength: number }
  >
> = Object.freeze({
  "olmo-tiny": { modelDim: 64, layers: 2, heads: 4, contextLength: 128 },
  "olmo-small": { modelDim: 128, layers: 4, heads: 4, contextLength: 256 },
  "olmo-20m": { modelDim: 256, layers: 8, heads: 8, contextLength: 1024 },
  "olmo-60m": { modelDim: 384, layers: 16, heads: 12, contextLength: 1024 },
  "olmo-150m": { modelDim: 768, layers: 12, heads: 12, contextLength: 1024 },
});

/**
 * Resolves a preset plus overrides into a full, validated config.
 *
 * @param options Preset and overrides, as for {@linkcode createOlmo}.
 * @returns The config the model is built from (and reports as `config`).
 * @throws {TypeError} On an unknown preset or a non-boolean tieEmbeddings.
 * @throws {RangeError} On a size that is not a positive integer, or heads
 *   that do not split `modelDim` into even head sizes.
 */
export function resolveOlmoConfig(options: OlmoOptions = {}): OlmoConfig {
  const action = "create an OLMo transformer";
  requireOptions(action, options);
  const presetName = options.preset ?? "olmo-tiny";
  const preset = OLMO_PRESETS[presetName];
  if (preset === undefined) {
    throw new TypeError(
      `Cannot ${action} as preset must be one of ${
        Object.keys(OLMO_PRESETS).map((k) => JSON.stringify(k)).join(", ")
      }: current value is ${JSON.stringify(presetName)}`,
    );
  }
  const modelDim = options.modelDim ?? preset.modelDim;
  const config: OlmoConfig = {
    vocabularySize: options.vocabularySize ?? 256,
    modelDim,
    layers: options.layers ?? preset.layers,
    heads: options.heads ?? preset.heads,
    mlpDim: options.mlpDim ?? 4 * modelDim,
    contextLength: options.contextLength ?? preset.contextLength,
    tieEmbeddings: options.tieEmbeddings ?? true,
    ropeTheta: options.ropeTheta ?? 10000,
    layerNormEpsilon: options.layerNormEpsilon ?? 1e-5,
    initStd: options.initStd ?? 0.02,
    seed: options.seed ?? 0,
  };
  requireInteger(action, "vocabularySize", config.vocabularySize, 2);
  requireInteger(action, "modelDim", config.modelDim, 2);
  requireInteger(action, "layers", config.layers, 1);
  requireInteger(action, "heads", config.heads, 1);
  requireInteger(action, "mlpDim", config.mlpDim, 1);
  requireInteger(action, "contextLength", config.contextLength, 1);
  requirePositive(action, "ropeTheta", config.ropeTheta);
  requirePositive(action, "layerNormEpsilon", config.layerNormEpsilon);
  requirePositive(action, "initStd", config.initStd);
  requireInteger(action, "seed", config.seed, 0);
  if (typeof config.tieEmbeddings !== "boolean") {
    throw new TypeError(
      `Cannot ${action} as tieEmbeddings must be a boolean: current value is ${config.tieEmbeddings}`,
    );
  }
  const headDim = config.modelDim / config.heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new RangeError(
      `Cannot ${action} as modelDim / heads must be an even integer: current value is ${config.modelDim} / ${config.heads}`,
    );
  }
  return config;
}

/**
 * The rotary tables for positions `0..length-1`, each `[length, headDim]`,
 * in the "rotate half" layout: frequency `i` sits at columns `i` and
 * `i + headDim / 2`.
 *
 *     angle(p, i) = p theta^(-2 i / headDim),  i = 0 .. headDim / 2 - 1
 *
 * @param length Number of positions.
 * @param headDim Size of one attention head (even).
 * @param theta Base of the frequencies (10000 in OLMo).
 * @returns Cosines and sines, row-major `[length, headDim]`.
 */
export function rotaryTables(
  length: number,
  headDim: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(length * headDim);
  const sin = new Float32Array(length * headDim);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * theta ** (-2 * i / headDim);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * headDim + i] = c;
      cos[p * headDim + i + half] = c;
      sin[p * headDim + i] = s;
      sin[p * headDim + i + half] = s;
    }
  }
  return { cos, sin };
}

/**
 * Applies the rotary embedding to `[..., time, headDim]` with tables
 * `[time, headDim]` from {@linkcode rotaryTables}:
 *
 *     y = x cos + rotateHalf(x) sin,  rotateHalf([a, b]) = [-b, a]
 *
 * so that the dot product of a query at position `p` and a key at `r`
 * depends on `p - r` only.
 */
export function rotate(
  x: tf.Tensor,
  cos: tf.Tensor,
  sin: tf.Tensor,
): tf.Tensor {
  const half = x.shape[x.rank - 1] / 2;
  const [first, second] = tf.split(x, [half, half], x.rank - 1);
  const rotated = tf.concat([tf.neg(second), first], x.rank - 1);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

interface BlockWeights {
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  gate: tf.Variable;
  up: tf.Variable;
  down: tf.Variable;
}

/**
 * Builds an OLMo-style decoder-only transformer.
 *
 * Parameters, in this order: `embedding` `[vocabularySize, modelDim]`; per
 * block `i`: `blocks.<i>.attn.wq`, `.wk`, `.wv`, `.wo` (each
 * `[modelDim, modelDim]`), `blocks.<i>.mlp.gate`, `blocks.<i>.mlp.up`
 * (`[modelDim, mlpDim]`), `blocks.<i>.mlp.down` (`[mlpDim, modelDim]`); then
 * `head` `[modelDim, vocabularySize]` unless tied. No buffers.
 *
 * Parameter count, with `V` the vocabulary, `d` the model width, `m` the MLP
 * width and `L` the blocks:
 *
 *     V d + L (4 d^2 + 3 d m) + [untied] d V
 *
 * Initialisation: every weight `N(0, initStd^2)`; the two projections back
 * into the residual stream (`wo`, `down`) scaled by `1 / sqrt(2 L)` as in
 * GPT-2, so that the residual stream's variance does not grow with depth.
 *
 * Note: there is no dropout (as in OLMo's pre-training), so `apply` computes
 * the same in training and evaluation mode.
 *
 * @param options Preset and overrides.
 * @returns The model; its `apply` takes int32 token ids `[batch, time]` with
 *   `time <= contextLength` and returns logits `[batch, time, vocabulary]`.
 * @throws {TypeError} On an unknown preset.
 * @throws {RangeError} On a size that is not a positive integer, or heads
 *   that do not split `modelDim` into even head sizes.
 *
 * @example A tiny transformer over 16 token ids
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createOlmo } from "./olmo.ts";
 *
 * await tf.setBackend("cpu");
 * const model = createOlmo({ preset: "olmo-tiny", vocabularySize: 16 });
 * const ids = tf.tensor2d([[1, 2, 3]], [1, 3], "int32");
 * const logits = model.apply(ids, { training: false });
 * if (logits.shape.join() !== "1,3,16") throw new Error("unexpected shape");
 * model.dispose();
 * ```
 */
export function createOlmo(options: OlmoOptions = {}): Model {
  const config = resolveOlmoConfig(options);
  const { vocabularySize, modelDim, layers, heads, mlpDim } = config;
  const headDim = modelDim / heads;
  const random = new Random(config.seed);
  const params = new Map<string, tf.Variable>();
  const weight = (name: string, shape: number[], std: number) => {
    const variable = normalVariable(random, shape, std);
    params.set(name, variable);
    return variable;
  };

  const residualStd = config.initStd / Math.sqrt(2 * layers);
  const embedding = weight(
    "embedding",
    [vocabularySize, modelDim],
    config.initStd,
  );
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < layers; i++) {
    const p = `blocks.${i}`;
    const square = [modelDim, modelDim];
    blocks.push({
      wq: weight(`${p}.attn.wq`, square, config.initStd),
      wk: weight(`${p}.attn.wk`, square, config.initStd),
      wv: weight(`${p}.attn.wv`, square, config.initStd),
      wo: weight(`${p}.attn.wo`, square, residualStd),
      gate: weight(`${p}.mlp.gate`, [modelDim, mlpDim], config.initStd),
      up: weight(`${p}.mlp.up`, [modelDim, mlpDim], config.initStd),
      down: weight(`${p}.mlp.down`, [mlpDim, modelDim], residualStd),
    });
  }
  const head = config.tieEmbeddings
    ? undefined
    : weight("head", [modelDim, vocabularySize], config.initStd);
  const tables = rotaryTables(config.contextLength, headDim, config.ropeTheta);

  const apply = (input: tf.Tensor, _options: ApplyOptions): tf.Tensor => {
    const [batch, time] = input.shape;
    if (input.rank !== 2 || input.dtype !== "int32") {
      throw new TypeError(
        `Cannot apply an OLMo transformer as the input must be int32 [batch, time]: current value is ${input.dtype} [${
          input.shape.join(", ")
        }]`,
      );
    }
    if (time > config.contextLength) {
      throw new RangeError(
        `Cannot apply an OLMo transformer as time must not exceed contextLength ${config.contextLength}: current value is ${time}`,
      );
    }
    return tf.tidy(() => {
      const rows = batch * time;
      const cos = tf.tensor2d(tables.cos.subarray(0, time * headDim), [
        time,
        headDim,
      ]);
      const sin = tf.tensor2d(tables.sin.subarray(0, time * headDim), [
        time,
        headDim,
      ]);
      const maskValues = new Float32Array(time * time);
      for (let q = 0; q < time; q++) {
        for (let k = q + 1; k < time; k++) maskValues[q * time + k] = -1e9;
      }
      const mask = tf.tensor2d(maskValues, [time, time]);
      const scale = 1 / Math.sqrt(headDim);
      // [rows, d] -> [batch, heads, time, headDim]
      const splitHeads = (t: tf.Tensor) =>
        tf.transpose(tf.reshape(t, [batch, time, heads, headDim]), [
          0,
          2,
          1,
          3,
        ]);

      let x: tf.Tensor = tf.gather(embedding, tf.reshape(input, [rows]));
      for (const block of blocks) {
        // Attention, pre-norm.
        const normed = layerNorm(x, config.layerNormEpsilon);
        const q = rotate(splitHeads(tf.matMul(normed, block.wq)), cos, sin);
        const k = rotate(splitHeads(tf.matMul(normed, block.wk)), cos, sin);
        const v = splitHeads(tf.matMul(normed, block.wv));
        const scores = tf.add(
          tf.mul(tf.matMul(q, k, false, true), scale),
          mask,
        );
        const mixed = tf.matMul(tf.softmax(scores), v);
        const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [
          rows,
          modelDim,
        ]);
        x = tf.add(x, tf.matMul(merged, block.wo));

        // SwiGLU MLP, pre-norm.
        const normed2 = layerNorm(x, config.layerNormEpsilon);
        const gate = tf.matMul(normed2, block.gate);
        const activated = tf.mul(
          tf.mul(gate, tf.sigmoid(gate)),
          tf.matMul(normed2, block.up),
        );
        x = tf.add(x, tf.matMul(activated, block.down));
      }
      const final = layerNorm(x, config.layerNormEpsilon);
      const logits = head === undefined
        ? tf.matMul(final, embedding, false, true)
        : tf.matMul(final, head);
      return tf.reshape(logits, [batch, time, vocabularySize]);
    });
  };

  return {
    kind: "olmo",
    config: Object.freeze({ ...config }),
    params,
    buffers: new Map(),
    apply,
    parameterCount: () => countElements(params),
    dispose: () => {
      for (const v of params.values()) v.dispose();
    },
  };
}
