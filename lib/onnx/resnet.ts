/**
 * ONNX export of the kit's CIFAR-style ResNets (lib/models/resnet.ts).
 *
 * @module
 */

import type { Model } from "../models/model.ts";
import { type Dimension, GraphBuilder } from "./graph.ts";
import { batchNorm, conv2d, nhwcToNchw } from "./layers.ts";

/** Options of {@linkcode exportResNet}. */
export interface ResNetExportOptions {
  /**
   * Fixed `[height, width]` of the input images. When absent both are
   * symbolic (`"height"`, `"width"`): the network pools globally, so any
   * size runs, but ONNX Runtime then cannot reject a wrong size up front.
   * @default {undefined}
   */
  readonly imageSize?: readonly [number, number];
  /**
   * Extra `metadata_props` entries (the run name, the task, ...).
   * @default {{}}
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

function configNumbers(model: Model): {
  blocks: number[];
  classes: number;
  inputChannels: number;
} {
  const { blocks, classes, inputChannels } = model.config;
  if (
    !Array.isArray(blocks) || typeof classes !== "number" ||
    typeof inputChannels !== "number"
  ) {
    throw new TypeError(
      `Cannot export the ResNet as its config must hold blocks, classes and inputChannels: current value is ${
        JSON.stringify(model.config)
      }`,
    );
  }
  return { blocks: blocks as number[], classes, inputChannels };
}

function variable(model: Model, name: string) {
  const found = model.params.get(name) ?? model.buffers.get(name);
  if (found === undefined) {
    throw new TypeError(
      `Cannot export the ResNet as its variables must include "${name}": current value is missing`,
    );
  }
  return found;
}

function norm(model: Model, prefix: string) {
  return {
    gamma: variable(model, `${prefix}.gamma`),
    beta: variable(model, `${prefix}.beta`),
    runningMean: variable(model, `${prefix}.runningMean`),
    runningVar: variable(model, `${prefix}.runningVar`),
  };
}

/**
 * Translates a ResNet into an ONNX graph (opset 17) in evaluation mode.
 *
 * The graph input `images` is float32 NHWC `[batch, height, width,
 * channels]`, the layout the tfjs model takes, so the same arrays feed both;
 * one Transpose turns it into NCHW, the layout of ONNX's Conv, and every
 * later activation stays NCHW. Kernels `[kh, kw, in, out]` become
 * `[out, in, kh, kw]`. Each batch norm becomes BatchNormalization with the
 * running statistics as constants (inference mode). The output `logits` is
 * `[batch, classes]`:
 *
 *     x = relu(bn(conv3x3(images)))
 *     x = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))   per block
 *     logits = flatten(GlobalAveragePool(x)) W_fc + b_fc           (Gemm)
 *
 * @param model A model built by `createResNet`.
 * @param options Fixed image size and metadata.
 * @returns The serialised ONNX model.
 * @throws {TypeError} When the model is not a ResNet or misses a variable.
 *
 * @example Export a tiny ResNet
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createResNet } from "../models/resnet.ts";
 * import { exportResNet } from "./resnet.ts";
 *
 * await tf.setBackend("cpu");
 * const model = createResNet({ preset: "resnet-tiny", inputChannels: 1 });
 * const bytes = exportResNet(model, { imageSize: [28, 28] });
 * model.dispose();
 * if (bytes.length < 1000) throw new Error("suspiciously small model");
 * ```
 */
export function exportResNet(
  model: Model,
  options: ResNetExportOptions = {},
): Uint8Array {
  if (model.kind !== "resnet") {
    throw new TypeError(
      `Cannot export the ResNet as model.kind must be "resnet": current value is "${model.kind}"`,
    );
  }
  const { blocks, classes, inputChannels } = configNumbers(model);
  const [height, width]: readonly Dimension[] = options.imageSize ??
    ["height", "width"];
  const graph = new GraphBuilder("resnet");
  graph.input("images", "float32", ["batch", height, width, inputChannels]);

  let x = nhwcToNchw(graph, "images");
  x = conv2d(graph, x, variable(model, "stem.conv.kernel"), {
    stride: 1,
    padding: 1,
    name: "stem.conv",
  });
  x = graph.node("Relu", [
    batchNorm(graph, x, norm(model, "stem.bn"), "stem.bn"),
  ]);

  blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) {
      const prefix = `layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      let y = conv2d(graph, x, variable(model, `${prefix}.conv1.kernel`), {
        stride,
        padding: 1,
        name: `${prefix}.conv1`,
      });
      y = graph.node("Relu", [
        batchNorm(graph, y, norm(model, `${prefix}.bn1`), `${prefix}.bn1`),
      ]);
      y = conv2d(graph, y, variable(model, `${prefix}.conv2.kernel`), {
        stride: 1,
        padding: 1,
        name: `${prefix}.conv2`,
      });
      y = batchNorm(graph, y, norm(model, `${prefix}.bn2`), `${prefix}.bn2`);
      let skip = x;
      if (model.params.has(`${prefix}.shortcut.conv.kernel`)) {
        skip = conv2d(
          graph,
          x,
          variable(model, `${prefix}.shortcut.conv.kernel`),
          { stride, padding: 0, name: `${prefix}.shortcut.conv` },
        );
        skip = batchNorm(
          graph,
          skip,
          norm(model, `${prefix}.shortcut.bn`),
          `${prefix}.shortcut.bn`,
        );
      }
      x = graph.node("Relu", [graph.node("Add", [y, skip])], {
        output: `${prefix}.out`,
      });
    }
  });

  const pooled = graph.node("GlobalAveragePool", [x]);
  const flat = graph.node("Flatten", [pooled], {
    attributes: { axis: { int: 1 } },
  });
  const logits = graph.node(
    "Gemm",
    [
      flat,
      graph.tensor("fc.kernel", variable(model, "fc.kernel")),
      graph.tensor("fc.bias", variable(model, "fc.bias")),
    ],
    { output: "logits" },
  );
  graph.output(logits, "float32", ["batch", classes]);
  return graph.build({
    description: "CIFAR-style ResNet exported from tfjs weights; input NHWC",
    metadata: {
      kind: "resnet",
      config: JSON.stringify(model.config),
      layout: "NHWC",
      ...options.metadata,
    },
  });
}
