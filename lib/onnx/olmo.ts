/**
 * ONNX export of the kit's OLMo-style transformers (lib/models/olmo.ts).
 *
 * @module
 */

import type { Model } from "../models/model.ts";
import { rotaryTables } from "../models/olmo.ts";
import { GraphBuilder } from "./graph.ts";
import { dense, layerNorm } from "./layers.ts";

/** Options of {@linkcode exportOlmo}. */
export interface OlmoExportOptions {
  /**
   * Extra `metadata_props` entries (the run name, the task, ...).
   * @default {{}}
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

interface OlmoShape {
  vocabularySize: number;
  modelDim: number;
  layers: number;
  heads: number;
  contextLength: number;
  ropeTheta: number;
  layerNormEpsilon: number;
}

function readShape(model: Model): OlmoShape {
  const names = [
    "vocabularySize",
    "modelDim",
    "layers",
    "heads",
    "contextLength",
    "ropeTheta",
    "layerNormEpsilon",
  ] as const;
  const shape: Partial<OlmoShape> = {};
  for (const name of names) {
    const value = model.config[name];
    if (typeof value !== "number") {
      throw new TypeError(
        `Cannot export the OLMo transformer as config.${name} must be a number: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
    shape[name] = value;
  }
  return shape as OlmoShape;
}

// The rotary tables are the model's own, so the exported graph rotates
// exactly as the tfjs forward pass does.
export { rotaryTables };

function parameter(model: Model, name: string) {
  const found = model.params.get(name);
  if (found === undefined) {
    throw new TypeError(
      `Cannot export the OLMo transformer as its parameters must include "${name}": current value is missing`,
    );
  }
  return found;
}

/** The name of the metadata entry that bounds the `time` dimension. */
export const MAX_TIME_KEY = "maxTime";

/**
 * Translates an OLMo-style transformer into an ONNX graph (opset 17).
 *
 * The input `tokens` is int32 `[batch, time]` and the output `logits`
 * float32 `[batch, time, vocabulary]`, both dimensions symbolic; `time` must
 * not exceed the model's `contextLength`, stored as metadata `maxTime` and
 * checked by `loadOnnx`. Per block, with `LN` ONNX's LayerNormalization
 * (unit scale, no bias: the non-parametric norm of OLMo):
 *
 *     q, k, v = LN(x) Wq, LN(x) Wk, LN(x) Wv      split into heads
 *     q, k    = q cos + rotateHalf(q) sin         (RoPE, tables sliced to time)
 *     a       = Softmax(q k^T / sqrt(headDim) + M) v
 *     h       = x + merge(a) Wo
 *     y       = h + (Sigmoid(g) g * LN(h) Wup) Wdown,   g = LN(h) Wgate
 *     logits  = LN(x_L) E^T   (tied)   or   LN(x_L) Whead
 *
 * where `M` is the causal mask, `-1e9` above the diagonal and 0 elsewhere,
 * the value the tfjs model adds, and `rotateHalf([a, b]) = [-b, a]` on the
 * two halves of a head. The token embedding is a Gather on `E`; a tied
 * head reads the same initializer through a Transpose.
 *
 * @param model A model built by `createOlmo`.
 * @param options Metadata.
 * @returns The serialised ONNX model.
 * @throws {TypeError} When the model is not an OLMo transformer or misses a
 *   parameter.
 *
 * @example Export a tiny transformer
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createOlmo } from "../models/olmo.ts";
 * import { exportOlmo } from "./olmo.ts";
 *
 * await tf.setBackend("cpu");
 * const model = createOlmo({
 *   preset: "olmo-tiny",
 *   vocabularySize: 16,
 *   modelDim: 16,
 *   layers: 1,
 *   heads: 2,
 *   contextLength: 8,
 * });
 * const bytes = exportOlmo(model);
 * model.dispose();
 * if (bytes.length < 1000) throw new Error("suspiciously small model");
 * ```
 */
export function exportOlmo(
  model: Model,
  options: OlmoExportOptions = {},
): Uint8Array {
  if (model.kind !== "olmo") {
    throw new TypeError(
      `Cannot export the OLMo transformer as model.kind must be "olmo": current value is "${model.kind}"`,
    );
  }
  const shape = readShape(model);
  const { vocabularySize, modelDim, layers, heads, contextLength } = shape;
  const headDim = modelDim / heads;
  const half = headDim / 2;
  const epsilon = shape.layerNormEpsilon;
  const graph = new GraphBuilder("olmo");
  graph.input("tokens", "int32", ["batch", "time"]);

  // Constants shared by every block: RoPE tables and the causal mask, both
  // cut to the current `time` with Slice.
  const tables = rotaryTables(contextLength, headDim, shape.ropeTheta);
  graph.constant("rope.cos", "float32", tables.cos, [contextLength, headDim]);
  graph.constant("rope.sin", "float32", tables.sin, [contextLength, headDim]);
  const maskValues = new Float32Array(contextLength * contextLength);
  for (let q = 0; q < contextLength; q++) {
    for (let k = q + 1; k < contextLength; k++) {
      maskValues[q * contextLength + k] = -1e9;
    }
  }
  graph.constant("causal_mask", "float32", maskValues, [
    contextLength,
    contextLength,
  ]);
  const zero = graph.int64s("const.zero", [0]);
  const zeroZero = graph.int64s("const.zero_zero", [0, 0]);
  const axesZeroOne = graph.int64s("const.axes_0_1", [0, 1]);
  const lastAxis = graph.int64s("const.last_axis", [-1]);
  const halfAt = graph.int64s("const.half", [half]);
  const headEnd = graph.int64s("const.head_end", [headDim]);
  const toHeads = graph.int64s("const.to_heads", [0, 0, heads, headDim]);
  const toModel = graph.int64s("const.to_model", [0, 0, modelDim]);
  graph.scalar("const.attention_scale", 1 / Math.sqrt(headDim));

  const time = graph.node("Shape", ["tokens"], {
    output: "time",
    attributes: { start: { int: 1 }, end: { int: 2 } },
  });
  const cos = graph.node("Slice", ["rope.cos", zero, time, zero], {
    output: "rope.cos_t",
  });
  const sin = graph.node("Slice", ["rope.sin", zero, time, zero], {
    output: "rope.sin_t",
  });
  const timeTime = graph.node("Concat", [time, time], {
    attributes: { axis: { int: 0 } },
  });
  const mask = graph.node(
    "Slice",
    ["causal_mask", zeroZero, timeTime, axesZeroOne],
    { output: "causal_mask_t" },
  );

  // [batch, time, modelDim] -> [batch, heads, time, headDim]
  const splitHeads = (value: string) =>
    graph.node("Transpose", [graph.node("Reshape", [value, toHeads])], {
      attributes: { perm: { ints: [0, 2, 1, 3] } },
    });
  // x cos + rotateHalf(x) sin, rotateHalf([a, b]) = [-b, a]
  const rotate = (value: string) => {
    const first = graph.node("Slice", [value, zero, halfAt, lastAxis]);
    const second = graph.node("Slice", [value, halfAt, headEnd, lastAxis]);
    const rotated = graph.node(
      "Concat",
      [graph.node("Neg", [second]), first],
      { attributes: { axis: { int: -1 } } },
    );
    return graph.node("Add", [
      graph.node("Mul", [value, cos]),
      graph.node("Mul", [rotated, sin]),
    ]);
  };

  const embedding = graph.tensor("embedding", parameter(model, "embedding"));
  let x = graph.node("Gather", [embedding, "tokens"], {
    output: "embedded",
    attributes: { axis: { int: 0 } },
  });
  for (let i = 0; i < layers; i++) {
    const p = `blocks.${i}`;
    const normed = layerNorm(graph, x, modelDim, `${p}.attn.norm`, epsilon);
    const q = rotate(splitHeads(
      dense(graph, normed, parameter(model, `${p}.attn.wq`), `${p}.attn.q`),
    ));
    const k = rotate(splitHeads(
      dense(graph, normed, parameter(model, `${p}.attn.wk`), `${p}.attn.k`),
    ));
    const v = splitHeads(
      dense(graph, normed, parameter(model, `${p}.attn.wv`), `${p}.attn.v`),
    );
    const keysT = graph.node("Transpose", [k], {
      attributes: { perm: { ints: [0, 1, 3, 2] } },
    });
    const scores = graph.node("Add", [
      graph.node("Mul", [
        graph.node("MatMul", [q, keysT]),
        "const.attention_scale",
      ]),
      mask,
    ]);
    const weights = graph.node("Softmax", [scores], {
      output: `${p}.attn.weights`,
      attributes: { axis: { int: -1 } },
    });
    const mixed = graph.node("MatMul", [weights, v]);
    const merged = graph.node("Reshape", [
      graph.node("Transpose", [mixed], {
        attributes: { perm: { ints: [0, 2, 1, 3] } },
      }),
      toModel,
    ]);
    x = graph.node("Add", [
      x,
      dense(graph, merged, parameter(model, `${p}.attn.wo`), `${p}.attn.out`),
    ], { output: `${p}.attn.residual` });

    const normed2 = layerNorm(graph, x, modelDim, `${p}.mlp.norm`, epsilon);
    const gate = dense(
      graph,
      normed2,
      parameter(model, `${p}.mlp.gate`),
      `${p}.mlp.gate`,
    );
    const up = dense(
      graph,
      normed2,
      parameter(model, `${p}.mlp.up`),
      `${p}.mlp.up`,
    );
    const activated = graph.node("Mul", [
      graph.node("Mul", [gate, graph.node("Sigmoid", [gate])]),
      up,
    ]);
    x = graph.node("Add", [
      x,
      dense(
        graph,
        activated,
        parameter(model, `${p}.mlp.down`),
        `${p}.mlp.down`,
      ),
    ], { output: `${p}.mlp.residual` });
  }
  const final = layerNorm(graph, x, modelDim, "final.norm", epsilon);
  const head = model.params.has("head")
    ? graph.tensor("head", parameter(model, "head"))
    : graph.node("Transpose", [embedding], {
      output: "head.tied",
      attributes: { perm: { ints: [1, 0] } },
    });
  const logits = dense(graph, final, head, "logits");
  graph.output(logits, "float32", ["batch", "time", vocabularySize]);
  return graph.build({
    description: "OLMo-style decoder-only transformer exported from tfjs " +
      "weights; input int32 token ids [batch, time]",
    metadata: {
      kind: "olmo",
      config: JSON.stringify(model.config),
      [MAX_TIME_KEY]: String(contextLength),
      ...options.metadata,
    },
  });
}
