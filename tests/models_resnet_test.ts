// ResNet parameter counts against the architecture arithmetic, the shapes
// and naming of the contract, batch-norm statistics against a direct
// computation, and gradients reaching every parameter.
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../lib/engine/backend.ts";
import { assert, assertClose, assertThrowsWith } from "./_assert.ts";
import { createResNet, RESNET_PRESETS } from "../lib/models/resnet.ts";

await useBackend("cpu");

// Independent count of a CIFAR ResNet with BasicBlocks, stage by stage:
// 3x3 convolutions without bias (k*k*in*out), batch norm (2 per channel),
// a 1x1 projection + batch norm when a block changes shape, and a dense
// classifier with bias.
function expectedResNetCount(
  blocks: number[],
  width: number,
  classes: number,
  inputChannels: number,
): number {
  const conv = (k: number, i: number, o: number) => k * k * i * o;
  let total = conv(3, inputChannels, width) + 2 * width; // stem
  let channels = width;
  blocks.forEach((count, stage) => {
    const out = width * 2 ** stage;
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      total += conv(3, channels, out) + 2 * out; // conv1 + bn1
      total += conv(3, out, out) + 2 * out; // conv2 + bn2
      if (stride !== 1 || channels !== out) {
        total += conv(1, channels, out) + 2 * out;
      }
      channels = out;
    }
  });
  return total + channels * classes + classes; // classifier
}

Deno.test("createResNet() has the literature's ResNet-18 and ResNet-34 parameter counts", () => {
  const cases = [
    { preset: "resnet18", blocks: [2, 2, 2, 2], known: 11_173_962 },
    { preset: "resnet34", blocks: [3, 4, 6, 3], known: 21_282_122 },
  ];
  for (const { preset, blocks, known } of cases) {
    const expected = expectedResNetCount(blocks, 64, 10, 3);
    const model = createResNet({ preset });
    const measured = model.parameterCount();
    console.log(
      `${preset}: measured ${measured}, arithmetic ${expected}, literature ${known}`,
    );
    assert.equal(expected, known);
    assert.equal(measured, expected);
    model.dispose();
  }
});

Deno.test("createResNet() counts match the arithmetic for every preset, class count and channel count", () => {
  for (const [preset, shape] of Object.entries(RESNET_PRESETS)) {
    if (preset === "resnet18" || preset === "resnet34") continue;
    for (const [classes, channels] of [[10, 3], [100, 3], [10, 1]]) {
      const model = createResNet({ preset, classes, inputChannels: channels });
      assert.equal(
        model.parameterCount(),
        expectedResNetCount([...shape.blocks], shape.width, classes, channels),
        `${preset} with ${classes} classes and ${channels} channels`,
      );
      model.dispose();
    }
  }
  const custom = createResNet({ blocks: [1, 2], width: 4, classes: 3 });
  assert.equal(custom.parameterCount(), expectedResNetCount([1, 2], 4, 3, 3));
  custom.dispose();
});

Deno.test("createResNet() names parameters and buffers by path in a fixed order", () => {
  const model = createResNet({ preset: "resnet-tiny" });
  const names = [...model.params.keys()];
  assert.deepEqual(names.slice(0, 3), [
    "stem.conv.kernel",
    "stem.bn.gamma",
    "stem.bn.beta",
  ]);
  assert.ok(names.includes("layer2.0.shortcut.conv.kernel"));
  assert.ok(!names.includes("layer1.0.shortcut.conv.kernel"));
  assert.deepEqual(names.slice(-2), ["fc.kernel", "fc.bias"]);
  assert.deepEqual(model.params.get("stem.conv.kernel")!.shape, [3, 3, 3, 8]);
  assert.deepEqual(model.params.get("fc.kernel")!.shape, [16, 10]);
  assert.deepEqual([...model.buffers.keys()].slice(0, 2), [
    "stem.bn.runningMean",
    "stem.bn.runningVar",
  ]);
  // The config is JSON and rebuilds the same model.
  const again = createResNet(JSON.parse(JSON.stringify(model.config)));
  for (const [name, v] of model.params) {
    assert.deepEqual(v.dataSync(), again.params.get(name)!.dataSync(), name);
  }
  model.dispose();
  again.dispose();
});

Deno.test("createResNet() maps NHWC images to logits and leaves no tensors behind", () => {
  const model = createResNet({ preset: "resnet-small", classes: 7 });
  const before = tf.memory().numTensors;
  const logits = model.apply(tf.zeros([2, 32, 32, 3]), { training: false });
  assert.deepEqual(logits.shape, [2, 7]);
  logits.dispose();
  // The zeros input is the only other tensor left.
  assert.equal(tf.memory().numTensors, before + 1);
  model.dispose();
});

Deno.test("createResNet() batch norm updates running statistics as PyTorch does", () => {
  const model = createResNet({
    blocks: [1],
    width: 2,
    inputChannels: 1,
    classes: 2,
    seed: 3,
  });
  const input = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
  // Stem output before batch norm, computed with a plain convolution.
  const kernel = model.params.get("stem.conv.kernel")!;
  const conv = tf.conv2d(input, kernel as tf.Tensor4D, 1, [[0, 0], [1, 1], [
    1,
    1,
  ], [0, 0]]);
  const values = conv.arraySync() as number[][][][];
  const channel0 = values.flat(2).map((pixel) => pixel[0]);
  const n = channel0.length;
  const mean = channel0.reduce((a, b) => a + b, 0) / n;
  const biased = channel0.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  model.apply(input, { training: true }).dispose();
  const runningMean = model.buffers.get("stem.bn.runningMean")!.dataSync()[0];
  const runningVar = model.buffers.get("stem.bn.runningVar")!.dataSync()[0];
  assertClose(runningMean, 0.1 * mean, 1e-5);
  assertClose(runningVar, 0.9 + 0.1 * biased * n / (n - 1), 1e-5);
  // Evaluation mode leaves the buffers alone.
  model.apply(input, { training: false }).dispose();
  assert.equal(
    model.buffers.get("stem.bn.runningMean")!.dataSync()[0],
    runningMean,
  );
  tf.dispose([input, conv]);
  model.dispose();
});

Deno.test("createResNet() gives every parameter a non-zero gradient", () => {
  const model = createResNet({
    preset: "resnet-tiny",
    inputChannels: 1,
    seed: 1,
  });
  const input = tf.randomNormal([4, 8, 8, 1], 0, 1, "float32", 5);
  const names = [...model.params.keys()];
  const { value, grads } = tf.variableGrads(
    () =>
      tf.mean(tf.square(model.apply(input, { training: true }))) as tf.Scalar,
    [...model.params.values()],
  );
  const byVariable = new Map([...model.params].map(([n, v]) => [v.name, n]));
  const seen = new Set<string>();
  for (const [key, g] of Object.entries(grads)) {
    seen.add(byVariable.get(key)!);
    assert.ok(
      tf.max(tf.abs(g)).dataSync()[0] > 0,
      `${byVariable.get(key)} has a zero gradient`,
    );
  }
  assert.deepEqual([...seen].sort(), names.sort());
  tf.dispose([value, input, ...Object.values(grads)]);
  model.dispose();
});

Deno.test("createResNet() initialises deterministically from the seed", () => {
  const a = createResNet({ preset: "resnet-tiny", seed: 9 });
  const b = createResNet({ preset: "resnet-tiny", seed: 9 });
  const c = createResNet({ preset: "resnet-tiny", seed: 10 });
  const kernel = (m: typeof a) =>
    m.params.get("layer1.0.conv1.kernel")!.dataSync();
  assert.deepEqual(kernel(a), kernel(b));
  assert.notDeepEqual(kernel(a), kernel(c));
  // He-normal with fan-out: std = sqrt(2 / (3 * 3 * 8)) for 8 output channels.
  const values = [...a.params.get("layer1.0.conv1.kernel")!.dataSync()];
  const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
  assertClose(std, Math.sqrt(2 / 72), 0.25);
  [a, b, c].forEach((m) => m.dispose());
});

Deno.test("createResNet() rejects unknown presets, bad sizes and wrong inputs", () => {
  assertThrowsWith(
    () => createResNet({ preset: "resnet50" }),
    TypeError,
    "Cannot create a ResNet as preset must be one of",
    '"resnet50"',
  );
  assertThrowsWith(
    () => createResNet({ blocks: [] }),
    RangeError,
    "blocks must list at least one stage",
  );
  assertThrowsWith(
    () => createResNet({ blocks: [2, 0] }),
    RangeError,
    "blocks[1] must be an integer >= 1: current value is 0",
  );
  assertThrowsWith(
    () => createResNet({ width: 2.5 }),
    RangeError,
    "width must be an integer >= 1: current value is 2.5",
  );
  const model = createResNet({ preset: "resnet-tiny" });
  const grey = tf.zeros([1, 8, 8, 1]);
  assertThrowsWith(
    () => model.apply(grey, { training: false }),
    RangeError,
    "must be NHWC with 3 channels: current value is shape [1, 8, 8, 1]",
  );
  grey.dispose();
  model.dispose();
});
