/**
 * ONNX export and evaluation of the kit's models with onnxruntime-node.
 *
 * - {@linkcode exportModel}: a ResNet or OLMo-style transformer to an ONNX
 *   opset 17 graph with a symbolic batch dimension;
 * - {@linkcode loadOnnx}: opens a model on the cpu, webgpu or cuda execution
 *   provider, falling back to the CPU with a reason;
 * - {@linkcode evaluateOnnx}: loss, accuracy and perplexity over labelled
 *   batches;
 * - {@linkcode exportAndEvaluate}: a trained run's checkpoint to ONNX and
 *   its ONNX Runtime metrics next to the ones the run reported.
 *
 * Running ONNX Runtime needs `--allow-read --allow-ffi` (a Node-API addon).
 * This module is separate from lib/mod.ts because it imports npm packages.
 *
 * @example Export a tiny ResNet and run it
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createResNet } from "../models/resnet.ts";
 * import { exportModel, loadOnnx } from "./mod.ts";
 *
 * await tf.setBackend("cpu");
 * const model = createResNet({ preset: "resnet-tiny", inputChannels: 1 });
 * const onnxModel = await loadOnnx(exportModel(model, { imageSize: [8, 8] }));
 * const { logits } = await onnxModel.run({
 *   images: { data: new Float32Array(64), shape: [1, 8, 8, 1] },
 * });
 * await onnxModel.release();
 * model.dispose();
 * if (logits.shape.join() !== "1,10") throw new Error("unexpected shape");
 * ```
 *
 * @module
 */

export { exportModel, type ExportOptions, saveOnnx } from "./export.ts";
export { evaluateOnnx, type LabelledBatch } from "./evaluate.ts";
export {
  type AttributeValue,
  type BuildOptions,
  DEFAULT_OPSET,
  type Dimension,
  type ElementType,
  GraphBuilder,
  type NodeOptions,
} from "./graph.ts";
export {
  accumulateLogits,
  emptyTotals,
  type Metrics,
  type MetricTotals,
  summarise,
} from "./metrics.ts";
export { exportOlmo, type OlmoExportOptions } from "./olmo.ts";
export { exportResNet, type ResNetExportOptions } from "./resnet.ts";
export {
  type DeploymentCheck,
  evaluateOnnxRun,
  exportAndEvaluate,
  type ExportAndEvaluateOptions,
  exportRun,
  loadTrainedRun,
  runEvaluationBatches,
} from "./run.ts";
export {
  type HostTensor,
  loadOnnx,
  type LoadOptions,
  type OnnxModel,
  type Provider,
  PROVIDERS,
  type TensorSignature,
  writeFileAtomic,
} from "./runtime.ts";
