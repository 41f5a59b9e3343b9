// Splits, deterministic batches, resumable positions and the CIFAR
// augmentation, on the embedded Fashion-MNIST subset, the shared data folder
// and small synthetic datasets.
import { assert, assertClose, assertThrowsWith } from "./_assert.ts";
import {
  evaluationBatches,
  gatherBatch,
  ImageBatches,
  type ImageDataset,
  validationCount,
} from "../lib/data/images.ts";
import { loadFashionMnist, parseIdx } from "../lib/data/fashion_mnist.ts";
import {
  characterDataset,
  loadTinyShakespeare,
  TextBatches,
  textEvaluationBatches,
} from "../lib/data/tinyshakespeare.ts";
import { Random } from "../lib/data/random.ts";

const sharedData = Deno.env.get("UBA_DATA_DIR") ??
  new URL("../../shared/data", import.meta.url).pathname;

// A dataset of `count` 4x4 RGB images whose every byte encodes the example
// index, so a batch reveals which examples it holds.
function toyDataset(count: number, channels = 1): ImageDataset {
  const pixels = 16 * channels;
  const images = new Uint8Array(count * pixels);
  for (let i = 0; i < count; i++) {
    images.fill(i % 256, i * pixels, (i + 1) * pixels);
  }
  const labels = new Uint8Array(count).map((_, i) => i % 256);
  const split = { images, labels, count };
  return {
    name: "toy",
    classes: 256,
    height: 4,
    width: 4,
    channels,
    mean: new Array(channels).fill(0),
    std: new Array(channels).fill(1),
    train: split,
    validation: split,
    test: split,
  };
}

Deno.test("validationCount() holds out min(5000, n / 5) official training images", () => {
  assert.equal(validationCount(60000), 5000);
  assert.equal(validationCount(50000), 5000);
  assert.equal(validationCount(2500), 500);
  assert.equal(validationCount(101), 20);
});

Deno.test("the embedded Fashion-MNIST subset is the first 2,500 training and 1,000 test images of the full set", async () => {
  const mini = await loadFashionMnist({ subset: "mini" });
  const full = await loadFashionMnist({ dataDir: sharedData, download: false });
  assert.deepEqual([mini.train.count, mini.validation.count, mini.test.count], [
    2000,
    500,
    1000,
  ]);
  assert.deepEqual([full.train.count, full.validation.count, full.test.count], [
    55000,
    5000,
    10000,
  ]);
  assert.deepEqual(
    mini.train.images,
    full.train.images.subarray(0, 2000 * 784),
  );
  assert.deepEqual(
    mini.validation.labels,
    full.train.labels.subarray(2000, 2500),
  );
  assert.deepEqual(mini.test.images, full.test.images.subarray(0, 1000 * 784));
  // The full validation split is the end of the official training file.
  assert.equal(full.validation.images.byteOffset, 55000 * 784 + 16);
  // Class balance of the official test set: 1,000 per class.
  const counts = new Array(10).fill(0);
  for (const label of full.test.labels) counts[label] += 1;
  assert.deepEqual(counts, new Array(10).fill(1000));
});

Deno.test("parseIdx() rejects a wrong magic number and a body shorter than its header", () => {
  const header = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 5, 6]);
  assertThrowsWith(
    () => parseIdx(header, "labels"),
    RangeError,
    "Cannot parse labels as its header promises 3 values: current value is 2 values (truncated?)",
  );
  const wrong = new Uint8Array([0, 0, 9, 1, 0, 0, 0, 0]);
  assertThrowsWith(
    () => parseIdx(wrong, "x"),
    RangeError,
    "IDX magic number must be 2049 or 2051: current value is 2305",
  );
});

Deno.test("ImageBatches visits every example once per epoch, in a seed-determined order", () => {
  const data = toyDataset(10);
  const stream = new ImageBatches(data, data.train, { batchSize: 3, seed: 5 });
  const epoch = [stream.next(), stream.next(), stream.next()].flatMap((
    b,
  ) => [...b.labels]);
  // 9 of 10 examples (the incomplete last batch is dropped), no repeats.
  assert.equal(new Set(epoch).size, 9);
  const again = new ImageBatches(data, data.train, { batchSize: 3, seed: 5 });
  assert.deepEqual(
    [again.next(), again.next(), again.next()].flatMap((b) => [...b.labels]),
    epoch,
  );
  const other = new ImageBatches(data, data.train, { batchSize: 3, seed: 6 });
  assert.notDeepEqual(
    [other.next(), other.next(), other.next()].flatMap((b) => [...b.labels]),
    epoch,
  );
  // The next epoch starts a new order.
  assert.equal(stream.getState().epoch, 0);
  stream.next();
  assert.equal(stream.getState().epoch, 1);
  // Pixels are normalised with the dataset's mean and std: byte / 255.
  const batch = again.next();
  assertClose(batch.images[0], batch.labels[0] / 255, 1e-6);
});

Deno.test("ImageBatches resumes exactly from a saved state, augmentation included", () => {
  const data = toyDataset(50, 3);
  const options = { batchSize: 4, seed: 1, augment: true };
  const a = new ImageBatches(data, data.train, options);
  for (let i = 0; i < 17; i++) a.next();
  const state = JSON.parse(JSON.stringify(a.getState()));
  const expected = [a.next(), a.next(), a.next()];
  const b = new ImageBatches(data, data.train, options);
  b.setState(state);
  for (const batch of expected) {
    const got = b.next();
    assert.deepEqual(got.labels, batch.labels);
    assert.deepEqual(got.images, batch.images);
  }
});

Deno.test("gatherBatch() augments with a 4-pixel-padded random crop and a horizontal flip", () => {
  // One 8x8 grey image with distinct values; every augmented copy must be
  // one of the 9 x 9 shifts, flipped or not, of the zero-padded image.
  const pixels = new Uint8Array(64).map((_, i) => i + 1);
  const data: ImageDataset = {
    ...toyDataset(1),
    height: 8,
    width: 8,
    train: { images: pixels, labels: new Uint8Array([0]), count: 1 },
  };
  const candidates = new Set<string>();
  for (let dy = -4; dy <= 4; dy++) {
    for (let dx = -4; dx <= 4; dx++) {
      for (const flip of [false, true]) {
        const out: number[] = [];
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            const sx = (flip ? 7 - x : x) + dx;
            const sy = y + dy;
            out.push(
              sx >= 0 && sx < 8 && sy >= 0 && sy < 8 ? pixels[sy * 8 + sx] : 0,
            );
          }
        }
        candidates.add(out.join());
      }
    }
  }
  const random = new Random(3);
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const batch = gatherBatch(data, data.train, [0], random);
    const bytes = [...batch.images].map((v) => Math.round(v * 255));
    const key = bytes.join();
    assert.ok(
      candidates.has(key),
      "an augmented image must be a padded shift or its mirror",
    );
    seen.add(key);
  }
  // 162 outcomes, 300 draws: most of them appear (a fixed-seed check).
  assert.ok(seen.size > 100, `only ${seen.size} distinct crops`);
  const plain = gatherBatch(data, data.train, [0]);
  assert.deepEqual([...plain.images].map((v) => Math.round(v * 255)), [
    ...pixels,
  ]);
});

Deno.test("evaluationBatches() covers the first examples in order, the last batch partial", () => {
  const data = toyDataset(10);
  const batches = [...evaluationBatches(data, data.test, 4, 9)];
  assert.deepEqual(batches.map((b) => b.size), [4, 4, 1]);
  assert.deepEqual(batches.flatMap((b) => [...b.labels]), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
  ]);
});

Deno.test("ImageBatches rejects a batch larger than the split", () => {
  const data = toyDataset(5);
  assertThrowsWith(
    () => new ImageBatches(data, data.train, { batchSize: 6 }),
    RangeError,
    "batchSize must not exceed the 5 examples: current value is 6",
  );
});

Deno.test("loadTinyShakespeare() splits 90 / 5 / 5 by position over 65 characters", async () => {
  const text = await loadTinyShakespeare({
    dataDir: sharedData,
    download: false,
  });
  assert.equal(text.vocabulary.length, 65);
  const total = 1115394;
  assert.equal(text.train.length, Math.floor(total * 0.9));
  assert.equal(
    text.validation.length,
    Math.floor(total * 0.95) - Math.floor(total * 0.9),
  );
  assert.equal(
    text.train.length + text.validation.length + text.test.length,
    total,
  );
  // The corpus starts with "First Citizen:".
  const decoded = [...text.train.subarray(0, 14)].map((id) =>
    text.vocabulary[id]
  ).join("");
  assert.equal(decoded, "First Citizen:");
});

Deno.test("TextBatches draws shifted windows and resumes from its state", () => {
  const data = characterDataset("toy", "abcdefghij".repeat(20));
  const stream = new TextBatches(data.train, {
    batchSize: 3,
    length: 5,
    seed: 2,
  });
  const batch = stream.next();
  for (let i = 0; i < 15; i++) {
    if (i % 5 !== 4) assert.equal(batch.targets[i], batch.inputs[i + 1]);
    assert.equal(batch.targets[i], (batch.inputs[i] + 1) % 10);
  }
  const state = stream.getState();
  const next = stream.next();
  const resumed = new TextBatches(data.train, {
    batchSize: 3,
    length: 5,
    seed: 2,
  });
  resumed.setState(state);
  assert.deepEqual(resumed.next(), next);
  const evaluation = [
    ...textEvaluationBatches(data.validation, { batchSize: 2, length: 4 }),
  ];
  // 10 validation characters fit floor(9 / 4) = 2 windows.
  assert.deepEqual(evaluation.map((b) => b.size), [2]);
  assert.deepEqual([...evaluation[0].inputs], [
    ...data.validation.subarray(0, 8),
  ]);
});

Deno.test("Random keeps a four-word unsigned state that restores the same stream", () => {
  const random = new Random(123);
  for (let i = 0; i < 1000; i++) random.nextUint32();
  const state = random.getState();
  assert.ok(state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32));
  const expected = [random.uniform(), random.normal(), random.integer(7)];
  const copy = new Random(0);
  copy.setState(state);
  assert.deepEqual([copy.uniform(), copy.normal(), copy.integer(7)], expected);
  // Moments of 20,000 draws: uniform mean 1/2, normal variance 1 (loose
  // bounds, about six standard errors).
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < 20000; i++) {
    sum += random.uniform();
    squares += random.normal() ** 2;
  }
  assertClose(sum / 20000, 0.5, 0.013);
  assertClose(squares / 20000, 1, 0.06);
  assertThrowsWith(
    () => copy.setState([1, 2, 3]),
    RangeError,
    "four unsigned 32-bit integers",
  );
  assertThrowsWith(
    () => new Random(-1),
    RangeError,
    "seed must be an integer >= 0",
  );
});
