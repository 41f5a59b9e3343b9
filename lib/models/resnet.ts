/**
 * ResNets with BasicBlocks for small images (CIFAR-style), written with
 * tfjs-core ops.
 *
 * The CIFAR variant of He et al. (2016) as used by most CIFAR-10 benchmarks:
 * a 3x3 stem convolution with stride 1 and no max-pool, then four stages of
 * BasicBlocks at widths 64, 128, 256, 512 (the last three start with stride
 * 2), global average pooling and a dense classifier. A shortcut is a 1x1
 * convolution plus batch norm when the shape changes, the identity otherwise.
 * Convolutions have no bias; the classifier has one.
 *
 *     block(x) = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
 *
 * Reference: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for
 * Image Recognition", CVPR 2016, https://arxiv.org/abs/1512.03385
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { requireInteger, requireOptions } from "../_validate.ts";
import { Random } from "../data/random.ts";
import {
  batchNorm,
  type BatchNormVariables,
  batchNormVariables,
  conv2d,
  normalVariable,
  uniformVariable,
} from "./_layers.ts";
import { type ApplyOptions, countElements, type Model } from "./model.ts";

/** The resolved shape of a ResNet. */
export interface ResNetConfig {
  /** BasicBlocks per stage; stage `i` has `width * 2^i` channels. */
  blocks: number[];
  /** Channels of the stem and the first stage. */
  width: number;
  /** Number of output classes. */
  classes: number;
  /** Channels of the input images (3 for CIFAR, 1 for Fashion-MNIST). */
  inputChannels: number;
  /** Seed of the initial weights. */
  seed: number;
}

/** Options of {@linkcode createResNet}; every field overrides the preset. */
export interface ResNetOptions {
  /** A name from {@linkcode RESNET_PRESETS}. @default "resnet18" */
  preset?: string;
  /** BasicBlocks per stage. */
  blocks?: number[];
  /** Channels of the first stage. */
  width?: number;
  /** Number of output classes. @default 10 */
  classes?: number;
  /** Channels of the input images. @default 3 */
  inputChannels?: number;
  /** Seed of the initial weights. @default 0 */
  seed?: number;
}

/**
 * Named ResNet shapes. `resnet18` and `resnet34` are the literature's; the
 * others are narrow, shallow variants that train on a CPU in minutes.
 *
 * | preset | blocks | width | parameters (10 classes, RGB) |
 * |---|---|---|---|
 * | resnet18 | 2, 2, 2, 2 | 64 | 11,173,962 |
 * | resnet34 | 3, 4, 6, 3 | 64 | 21,282,122 |
 * | resnet18-w16 | 2, 2, 2, 2 | 16 | 701,466 |
 * | resnet-small | 1, 1, 1 | 16 | 78,042 |
 * | resnet-tiny | 1, 1 | 8 | 5,266 |
 */
export const RESNET_PRESETS: Readonly<
  Record<string, { blocks: readonly number[]; width: number }>
> = Object.freeze({
  "resnet18": { blocks: [2, 2, 2, 2], width: 64 },
  "resnet34": { blocks: [3, 4, 6, 3], width: 64 },
  "resnet18-w16": { blocks: [2, 2, 2, 2], width: 16 },
  "resnet-small": { blocks: [1, 1, 1], width: 16 },
  "resnet-tiny": { blocks: [1, 1], width: 8 },
});

/**
 * Resolves a preset plus overrides into a full, validated config.
 *
 * @param options Preset and overrides, as for {@linkcode createResNet}.
 * @returns The config the model is built from (and reports as `config`).
 * @throws {TypeError} On an unknown preset.
 * @throws {RangeError} On a size that is not a positive integer.
 */
export function resolveResNetConfig(
  options: ResNetOptions = {},
): ResNetConfig {
  const action = "create a ResNet";
  requireOptions(action, options);
  const presetName = options.preset ?? "resnet18";
  const preset = RESNET_PRESETS[presetName];
  if (preset === undefined) {
    throw new TypeError(
      `Cannot ${action} as preset must be one of ${
        Object.keys(RESNET_PRESETS).map((k) => JSON.stringify(k)).join(", ")
      }: current value is ${JSON.stringify(presetName)}`,
    );
  }
  const blocks = [...(options.blocks ?? preset.blocks)];
  if (blocks.length === 0) {
    throw new RangeError(
      `Cannot ${action} as blocks must list at least one stage: current value is []`,
    );
  }
  blocks.forEach((count, i) =>
    requireInteger(action, `blocks[${i}]`, count, 1)
  );
  const config: ResNetConfig = {
    blocks,
    width: options.width ?? preset.width,
    classes: options.classes ?? 10,
    inputChannels: options.inputChannels ?? 3,
    seed: options.seed ?? 0,
  };
  requireInteger(action, "width", config.width, 1);
  requireInteger(action, "classes", config.classes, 2);
  requireInteger(action, "inputChannels", config.inputChannels, 1);
  requireInteger(action, "seed", config.seed, 0);
  return config;
}

interface Block {
  prefix: string;
  stride: number;
  conv1: tf.Variable;
  bn1: BatchNormVariables;
  conv2: tf.Variable;
  bn2: BatchNormVariables;
  shortcut?: { conv: tf.Variable; bn: BatchNormVariables };
}

/**
 * Builds a CIFAR-style ResNet with BasicBlocks.
 *
 * Parameters, in this order: `stem.conv.kernel`, `stem.bn.{gamma,beta}`; per
 * stage `s` (1-based) and block `b` (0-based): `layer<s>.<b>.conv1.kernel`,
 * `layer<s>.<b>.bn1.{gamma,beta}`, `layer<s>.<b>.conv2.kernel`,
 * `layer<s>.<b>.bn2.{gamma,beta}`, and when the shape changes
 * `layer<s>.<b>.shortcut.conv.kernel`, `layer<s>.<b>.shortcut.bn.{gamma,beta}`;
 * finally `fc.kernel` `[channels, classes]` and `fc.bias`. Buffers are the
 * `runningMean` and `runningVar` of each batch norm, same prefixes.
 *
 * Initialisation (as torchvision): convolutions He-normal with fan-out,
 * `std = sqrt(2 / (k * k * outChannels))`; batch norm gamma 1, beta 0; the
 * classifier uniform in `±1 / sqrt(channels)`.
 *
 * Parameter count, with `w_s = width 2^s`, `n_s` blocks in stage `s`,
 * `C` input channels and `K` classes:
 *
 *     9 C w_0 + 2 w_0
 *       + sum_s [ 9 w_{s-1} w_s + 9 w_s^2 + 4 w_s                (first block)
 *                 + [shape changes] (w_{s-1} w_s + 2 w_s)
 *                 + (n_s - 1) (18 w_s^2 + 4 w_s) ]
 *       + w_last K + K
 *
 * (with `w_{-1} = w_0` for the first stage, which keeps its shape).
 *
 * @param options Preset and overrides.
 * @returns The model; its `apply` takes float32 NHWC images of any size.
 * @throws {TypeError} On an unknown preset.
 * @throws {RangeError} On a non-integer or non-positive size.
 *
 * @example A tiny ResNet on a batch of two 8x8 RGB images
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createResNet } from "./resnet.ts";
 *
 * await tf.setBackend("cpu");
 * const model = createResNet({ preset: "resnet-tiny", classes: 10 });
 * const logits = model.apply(tf.zeros([2, 8, 8, 3]), { training: false });
 * if (logits.shape.join() !== "2,10") throw new Error("unexpected shape");
 * model.dispose();
 * ```
 */
export function createResNet(options: ResNetOptions = {}): Model {
  const config = resolveResNetConfig(options);
  const random = new Random(config.seed);
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();

  const convKernel = (name: string, k: number, inC: number, outC: number) => {
    const kernel = normalVariable(
      random,
      [k, k, inC, outC],
      Math.sqrt(2 / (k * k * outC)),
    );
    params.set(`${name}.kernel`, kernel);
    return kernel;
  };
  const norm = (name: string, channels: number) => {
    const bn = batchNormVariables(channels);
    params.set(`${name}.gamma`, bn.gamma);
    params.set(`${name}.beta`, bn.beta);
    buffers.set(`${name}.runningMean`, bn.runningMean);
    buffers.set(`${name}.runningVar`, bn.runningVar);
    return bn;
  };

  const stemConv = convKernel(
    "stem.conv",
    3,
    config.inputChannels,
    config.width,
  );
  const stemBn = norm("stem.bn", config.width);
  const blocks: Block[] = [];
  let channels = config.width;
  config.blocks.forEach((count, stage) => {
    const outChannels = config.width * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const prefix = `layer${stage + 1}.${b}`;
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const block: Block = {
        prefix,
        stride,
        conv1: convKernel(`${prefix}.conv1`, 3, channels, outChannels),
        bn1: norm(`${prefix}.bn1`, outChannels),
        conv2: convKernel(`${prefix}.conv2`, 3, outChannels, outChannels),
        bn2: norm(`${prefix}.bn2`, outChannels),
      };
      if (stride !== 1 || channels !== outChannels) {
        block.shortcut = {
          conv: convKernel(`${prefix}.shortcut.conv`, 1, channels, outChannels),
          bn: norm(`${prefix}.shortcut.bn`, outChannels),
        };
      }
      blocks.push(block);
      channels = outChannels;
    }
  });
  const bound = 1 / Math.sqrt(channels);
  const fcKernel = uniformVariable(random, [channels, config.classes], bound);
  const fcBias = uniformVariable(random, [config.classes], bound);
  params.set("fc.kernel", fcKernel);
  params.set("fc.bias", fcBias);

  const apply = (input: tf.Tensor, { training }: ApplyOptions): tf.Tensor => {
    if (input.rank !== 4 || input.shape[3] !== config.inputChannels) {
      throw new RangeError(
        `Cannot apply a ResNet as the input must be NHWC with ${config.inputChannels} channels: current value is shape [${
          input.shape.join(", ")
        }]`,
      );
    }
    return tf.tidy(() => {
      let x = conv2d(input as tf.Tensor4D, stemConv as tf.Tensor4D, 1, 1);
      x = tf.relu(batchNorm(x, stemBn, training));
      for (const block of blocks) {
        let y = conv2d(x, block.conv1 as tf.Tensor4D, block.stride, 1);
        y = tf.relu(batchNorm(y, block.bn1, training));
        y = conv2d(y, block.conv2 as tf.Tensor4D, 1, 1);
        y = batchNorm(y, block.bn2, training);
        const skip = block.shortcut === undefined ? x : batchNorm(
          conv2d(x, block.shortcut.conv as tf.Tensor4D, block.stride, 0),
          block.shortcut.bn,
          training,
        );
        x = tf.relu(tf.add(y, skip));
      }
      const pooled = tf.mean(x, [1, 2]);
      return tf.add(tf.matMul(pooled, fcKernel), fcBias);
    });
  };

  return {
    kind: "resnet",
    config: Object.freeze({ ...config, blocks: [...config.blocks] }),
    params,
    buffers,
    apply,
    parameterCount: () => countElements(params),
    dispose: () => {
      for (const v of params.values()) v.dispose();
      for (const v of buffers.values()) v.dispose();
    },
  };
}
