/**
 * Evaluating an ONNX classifier or language model with ONNX Runtime over
 * labelled batches: mean cross-entropy, accuracy and perplexity, computed on
 * the host from the logits ONNX Runtime returns.
 *
 * @module
 */

import type { HostTensor, OnnxModel } from "./runtime.ts";
import {
  accumulateLogits,
  emptyTotals,
  type Metrics,
  summarise,
} from "./metrics.ts";

/** One labelled batch for {@linkcode evaluateOnnx}. */
export interface LabelledBatch {
  /**
   * The model input: float32 NHWC images, or int32 token ids
   * `[batch, time]`.
   */
  readonly inputs: HostTensor;
  /**
   * One label per prediction: `[batch]` class ids for images, `[batch, time]`
   * next-token ids for language, row-major.
   */
  readonly labels: Int32Array;
}

/**
 * Runs `model` on every batch and scores its logits (the model's first
 * output, classes on the last axis) against the labels.
 *
 *     loss     = (1 / N) sum_n [ logsumexp(z_n) - z_n[y_n] ]
 *     accuracy = (1 / N) #{ n : argmax z_n = y_n }
 *
 * over all `N` predictions of all batches (every token of every sequence
 * for a language model), so batches of unequal size weigh by their size.
 *
 * @param model A model opened by `loadOnnx`.
 * @param batches The labelled batches, consumed once.
 * @returns The metrics.
 * @throws {RangeError} When a batch's shape does not match the model or its
 *   labels do not match its logits; when there is no batch at all.
 *
 * @example Score a two-class identity model
 * ```ts
 * import { GraphBuilder } from "./graph.ts";
 * import { loadOnnx } from "./runtime.ts";
 * import { evaluateOnnx } from "./evaluate.ts";
 *
 * const graph = new GraphBuilder("identity");
 * graph.input("x", "float32", ["batch", 2]);
 * graph.output(graph.node("Identity", ["x"], { output: "logits" }), "float32", [
 *   "batch",
 *   2,
 * ]);
 * const model = await loadOnnx(graph.build());
 * const metrics = await evaluateOnnx(model, [{
 *   inputs: { data: Float32Array.of(1, 0, 0, 1), shape: [2, 2] },
 *   labels: Int32Array.of(0, 0),
 * }]);
 * await model.release();
 * if (metrics.accuracy !== 0.5) throw new Error("one of two is right");
 * ```
 */
export async function evaluateOnnx(
  model: OnnxModel,
  batches: Iterable<LabelledBatch> | AsyncIterable<LabelledBatch>,
): Promise<Metrics> {
  const input = model.inputs[0].name;
  const output = model.outputs[0].name;
  const totals = emptyTotals();
  for await (const batch of batches) {
    const result = await model.run({ [input]: batch.inputs });
    const logits = result[output];
    const classes = logits.shape[logits.shape.length - 1];
    accumulateLogits(
      totals,
      logits.data as Float32Array,
      batch.labels,
      classes,
    );
  }
  if (totals.count === 0) {
    throw new RangeError(
      "Cannot evaluate the ONNX model as there must be at least one prediction: current value is 0",
    );
  }
  return summarise(totals);
}
