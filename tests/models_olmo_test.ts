// The OLMo-style transformer: parameter counts from the architecture
// arithmetic, causality, the rotary embedding's relative-position property,
// weight tying, the non-parametric layer norm and input checks.
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../lib/engine/backend.ts";
import { assert, assertClose, assertThrowsWith } from "./_assert.ts";
import {
  createOlmo,
  OLMO_PRESETS,
  rotaryTables,
  rotate,
} from "../lib/models/olmo.ts";

await useBackend("cpu");

// Per block: four d x d attention maps and three d x m SwiGLU maps; an
// embedding V x d; an output head d x V unless tied. No biases, no norms.
function expectedOlmoCount(
  vocabulary: number,
  d: number,
  layers: number,
  mlp: number,
  tied: boolean,
): number {
  return vocabulary * d + layers * (4 * d * d + 3 * d * mlp) +
    (tied ? 0 : d * vocabulary);
}

Deno.test("createOlmo() parameter counts follow the architecture arithmetic for the small presets", () => {
  for (const preset of ["olmo-tiny", "olmo-small", "olmo-20m"]) {
    const shape = OLMO_PRESETS[preset];
    for (const tied of [true, false]) {
      const model = createOlmo({
        preset,
        vocabularySize: 65,
        tieEmbeddings: tied,
      });
      const expected = expectedOlmoCount(
        65,
        shape.modelDim,
        shape.layers,
        4 * shape.modelDim,
        tied,
      );
      console.log(
        `${preset} (vocabulary 65, tied ${tied}): measured ${model.parameterCount()}, arithmetic ${expected}`,
      );
      assert.equal(model.parameterCount(), expected);
      assert.equal(model.params.has("head"), !tied);
      model.dispose();
    }
  }
});

Deno.test("OLMO_PRESETS reach the tens of millions with OLMo's 50,304-token vocabulary", () => {
  // Arithmetic only: building these is slow and not needed for the count.
  const sizes = Object.fromEntries(
    Object.entries(OLMO_PRESETS).map(([name, s]) => [
      name,
      expectedOlmoCount(50304, s.modelDim, s.layers, 4 * s.modelDim, true),
    ]),
  );
  console.log(sizes);
  assert.ok(sizes["olmo-20m"] > 19e6 && sizes["olmo-20m"] < 23e6);
  assert.ok(sizes["olmo-60m"] > 55e6 && sizes["olmo-60m"] < 65e6);
});

Deno.test("createOlmo() is causal: a later token never changes earlier logits", () => {
  const model = createOlmo({
    preset: "olmo-tiny",
    vocabularySize: 11,
    seed: 2,
  });
  const a = tf.tensor2d([[1, 2, 3, 4, 5, 6]], [1, 6], "int32");
  const b = tf.tensor2d([[1, 2, 3, 4, 9, 0]], [1, 6], "int32");
  const la = model.apply(a, { training: true }).arraySync() as number[][][];
  const lb = model.apply(b, { training: true }).arraySync() as number[][][];
  for (let t = 0; t < 4; t++) {
    for (let v = 0; v < 11; v++) assertClose(la[0][t][v], lb[0][t][v], 1e-5);
  }
  const changed = la[0][5].some((x, v) => Math.abs(x - lb[0][5][v]) > 1e-4);
  assert.ok(changed, "the last position must see the changed tokens");
  tf.dispose([a, b]);
  model.dispose();
});

Deno.test("rotate() makes query-key products depend on the position difference only", () => {
  // The same query vector at every position and the same key vector at
  // every position: after rotation, score[p][r] = q_p . k_r must be a
  // function of p - r (a Toeplitz matrix), and differ across differences.
  const time = 6;
  const headDim = 8;
  const tables = rotaryTables(time, headDim, 10000);
  const cos = tf.tensor2d(tables.cos, [time, headDim]);
  const sin = tf.tensor2d(tables.sin, [time, headDim]);
  const q = tf.tile(tf.tensor2d([[0.3, -1.2, 0.8, 0.5, 1.1, -0.4, 0.2, 0.9]]), [
    time,
    1,
  ]);
  const k = tf.tile(
    tf.tensor2d([[-0.7, 0.1, 0.6, -1.5, 0.3, 0.8, -0.2, 0.4]]),
    [time, 1],
  );
  const scores = tf.matMul(
    rotate(q, cos, sin),
    rotate(k, cos, sin),
    false,
    true,
  )
    .arraySync() as number[][];
  for (let p = 1; p < time; p++) {
    for (let r = 1; r < time; r++) {
      assertClose(
        scores[p][r],
        scores[p - 1][r - 1],
        1e-5,
        `score[${p}][${r}] `,
      );
    }
  }
  assert.ok(Math.abs(scores[3][0] - scores[3][1]) > 1e-3);
  // Position 0 is not rotated at all.
  assert.deepEqual(
    [...rotate(q, cos, sin).dataSync().slice(0, headDim)].map((x) =>
      Math.round(x * 1e6)
    ),
    [0.3, -1.2, 0.8, 0.5, 1.1, -0.4, 0.2, 0.9].map((x) => Math.round(x * 1e6)),
  );
  tf.dispose([cos, sin, q, k]);
});

Deno.test("createOlmo() with tied weights trains the embedding through input and output", () => {
  const model = createOlmo({
    vocabularySize: 7,
    modelDim: 8,
    layers: 1,
    heads: 2,
    contextLength: 4,
    seed: 1,
  });
  const ids = tf.tensor2d([[1, 2, 3]], [1, 3], "int32");
  const embedding = model.params.get("embedding")!;
  // Row 6 is never an input: its gradient can only come from the output head.
  const { grads } = tf.variableGrads(
    () => tf.mean(tf.square(model.apply(ids, { training: true }))) as tf.Scalar,
    [embedding],
  );
  const g = Object.values(grads)[0].arraySync() as number[][];
  assert.ok(
    g[6].some((x) => x !== 0),
    "unused token rows get output-head gradients",
  );
  assert.ok(g[1].some((x) => x !== 0));
  tf.dispose([ids, ...Object.values(grads)]);
  model.dispose();
});

Deno.test("createOlmo() has no layer-norm parameters and no biases", () => {
  const model = createOlmo({
    preset: "olmo-tiny",
    vocabularySize: 9,
    tieEmbeddings: false,
  });
  for (const [name, v] of model.params) {
    assert.ok(v.rank === 2, `${name} should be a matrix, not a bias or gain`);
    assert.ok(
      /^(embedding|head|blocks\.\d+\.(attn\.w[qkvo]|mlp\.(gate|up|down)))$/
        .test(name),
      name,
    );
  }
  assert.equal(model.buffers.size, 0);
  model.dispose();
});

Deno.test("createOlmo() rejects bad shapes and inputs", () => {
  assertThrowsWith(
    () => createOlmo({ preset: "olmo-7b" }),
    TypeError,
    "preset must be one of",
  );
  assertThrowsWith(
    () => createOlmo({ modelDim: 30, heads: 4 }),
    RangeError,
    "modelDim / heads must be an even integer: current value is 30 / 4",
  );
  assertThrowsWith(
    () => createOlmo({ modelDim: 12, heads: 4 }),
    RangeError,
    "current value is 12 / 4",
  );
  const model = createOlmo({
    preset: "olmo-tiny",
    vocabularySize: 5,
    contextLength: 4,
  });
  const long = tf.zeros([1, 5], "int32");
  const floats = tf.zeros([1, 3]);
  assertThrowsWith(
    () => model.apply(long, { training: false }),
    RangeError,
    "time must not exceed contextLength 4: current value is 5",
  );
  assertThrowsWith(
    () => model.apply(floats, { training: false }),
    TypeError,
    "must be int32 [batch, time]: current value is float32 [1, 3]",
  );
  tf.dispose([long, floats]);
  model.dispose();
});
