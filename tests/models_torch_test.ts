// The two architectures against PyTorch (Debian's python3-torch at
// /usr/bin/python3) as an independent oracle: the same weights, written out
// as JSON, go through a PyTorch definition of the CIFAR ResNet (BasicBlocks,
// symmetric padding, batch norm in both modes) and of the OLMo block
// (pre-norm non-parametric layer norm, rotate-half RoPE, causal attention,
// SwiGLU, tied head); logits and running statistics must agree.
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../lib/engine/backend.ts";
import { assert, assertClose } from "./_assert.ts";
import { createResNet } from "../lib/models/resnet.ts";
import { createOlmo } from "../lib/models/olmo.ts";
import type { Model } from "../lib/models/model.ts";

await useBackend("cpu");

const PYTHON = "/usr/bin/python3";

const ORACLE = String.raw`
import json, math, sys
import torch
import torch.nn.functional as F

request = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
def tensor(entry):
    return torch.tensor(entry["values"], dtype=torch.float64).reshape(entry["shape"])
P = {name: tensor(e) for name, e in request["params"].items()}
B = {name: tensor(e) for name, e in request["buffers"].items()}
config = request["config"]
out = {}

if request["kind"] == "resnet":
    x = tensor(request["input"]).permute(0, 3, 1, 2)  # NHWC -> NCHW
    def conv(x, name, stride, padding):
        weight = P[name + ".kernel"].permute(3, 2, 0, 1)  # [kh,kw,in,out] -> [out,in,kh,kw]
        return F.conv2d(x, weight, stride=stride, padding=padding)
    def bn(x, name, training):
        return F.batch_norm(x, B[name + ".runningMean"], B[name + ".runningVar"],
                            P[name + ".gamma"], P[name + ".beta"],
                            training=training, momentum=0.1, eps=1e-5)
    def forward(x, training):
        x = F.relu(bn(conv(x, "stem.conv", 1, 1), "stem.bn", training))
        for stage, count in enumerate(config["blocks"]):
            for b in range(count):
                p = "layer%d.%d" % (stage + 1, b)
                stride = 2 if b == 0 and stage > 0 else 1
                y = F.relu(bn(conv(x, p + ".conv1", stride, 1), p + ".bn1", training))
                y = bn(conv(y, p + ".conv2", 1, 1), p + ".bn2", training)
                if p + ".shortcut.conv.kernel" in P:
                    x = bn(conv(x, p + ".shortcut.conv", stride, 0), p + ".shortcut.bn", training)
                x = F.relu(y + x)
        x = x.mean(dim=(2, 3))
        return x @ P["fc.kernel"] + P["fc.bias"]
    out["train"] = forward(x, True).flatten().tolist()
    out["buffers"] = {k: v.flatten().tolist() for k, v in B.items()}
    out["eval"] = forward(x, False).flatten().tolist()
else:
    ids = torch.tensor(request["input"]["values"]).reshape(request["input"]["shape"]).long()
    batch, time = ids.shape
    d, heads, eps = config["modelDim"], config["heads"], config["layerNormEpsilon"]
    hd = d // heads
    inv = config["ropeTheta"] ** (-torch.arange(0, hd, 2) / hd)
    angles = torch.arange(time)[:, None] * inv[None, :]
    cos = torch.cat([angles.cos(), angles.cos()], -1)
    sin = torch.cat([angles.sin(), angles.sin()], -1)
    def rope(t):
        first, second = t[..., : hd // 2], t[..., hd // 2 :]
        return t * cos + torch.cat([-second, first], -1) * sin
    def norm(t):
        return F.layer_norm(t, (d,), eps=eps)
    x = P["embedding"][ids]
    mask = torch.triu(torch.full((time, time), float("-inf")), diagonal=1)
    for i in range(config["layers"]):
        p = "blocks.%d." % i
        h = norm(x)
        split = lambda t: t.view(batch, time, heads, hd).transpose(1, 2)
        q, k, v = (split(h @ P[p + "attn." + w]) for w in ("wq", "wk", "wv"))
        scores = rope(q) @ rope(k).transpose(-1, -2) / math.sqrt(hd) + mask
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, time, d)
        x = x + mixed @ P[p + "attn.wo"]
        h = norm(x)
        x = x + (F.silu(h @ P[p + "mlp.gate"]) * (h @ P[p + "mlp.up"])) @ P[p + "mlp.down"]
    head = P["embedding"].T if config["tieEmbeddings"] else P["head"]
    out["logits"] = (norm(x) @ head).flatten().tolist()
print(json.dumps(out))
`;

function dump(variables: ReadonlyMap<string, tf.Variable>) {
  return Object.fromEntries(
    [...variables].map((
      [name, v],
    ) => [name, { shape: v.shape, values: [...v.dataSync()] }]),
  );
}

async function oracle(
  model: Model,
  input: tf.Tensor,
): Promise<Record<string, unknown>> {
  const request = {
    kind: model.kind,
    config: model.config,
    params: dump(model.params),
    buffers: dump(model.buffers),
    input: { shape: input.shape, values: [...input.dataSync()] },
  };
  let child;
  try {
    child = new Deno.Command(PYTHON, {
      args: ["-c", ORACLE],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw new Error(`This test needs ${PYTHON} with torch: ${error}`);
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(request)));
  await writer.close();
  const output = await child.output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(
    output.success,
    `the PyTorch oracle failed (is python3-torch installed?): ${stderr}`,
  );
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

function assertAllClose(
  actual: ArrayLike<number>,
  expected: number[],
  tolerance: number,
  what: string,
) {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  for (let i = 0; i < expected.length; i++) {
    assertClose(actual[i], expected[i], tolerance, `${what}[${i}]: `);
  }
}

Deno.test("createResNet() matches a PyTorch CIFAR ResNet in training and evaluation mode", async () => {
  const model = createResNet({ blocks: [1, 2], width: 4, classes: 5, seed: 7 });
  // Even spatial size: a stride-2 layer must pad one pixel on both sides
  // like PyTorch, where tfjs "same" padding would pad only bottom and right.
  const input = tf.randomNormal([3, 8, 8, 3], 0, 1, "float32", 11);
  const expected = await oracle(model, input) as {
    train: number[];
    eval: number[];
    buffers: Record<string, number[]>;
  };
  const train = model.apply(input, { training: true });
  assertAllClose(train.dataSync(), expected.train, 1e-4, "training logits");
  for (const [name, buffer] of model.buffers) {
    assertAllClose(buffer.dataSync(), expected.buffers[name], 1e-5, name);
  }
  const evaluation = model.apply(input, { training: false });
  assertAllClose(
    evaluation.dataSync(),
    expected.eval,
    1e-4,
    "evaluation logits",
  );
  tf.dispose([input, train, evaluation]);
  model.dispose();
});

Deno.test("createOlmo() matches a PyTorch OLMo-style block stack, tied and untied", async () => {
  for (const tieEmbeddings of [true, false]) {
    const model = createOlmo({
      vocabularySize: 13,
      modelDim: 16,
      layers: 2,
      heads: 2,
      mlpDim: 24,
      contextLength: 8,
      tieEmbeddings,
      initStd: 0.3,
      seed: 5,
    });
    const ids = tf.tensor2d(
      [[1, 5, 2, 12, 0, 7], [3, 3, 3, 9, 11, 4]],
      [2, 6],
      "int32",
    );
    const expected = await oracle(model, ids) as { logits: number[] };
    const logits = model.apply(ids, { training: true });
    assertAllClose(
      logits.dataSync(),
      expected.logits,
      1e-4,
      `logits (tied ${tieEmbeddings})`,
    );
    tf.dispose([ids, logits]);
    model.dispose();
  }
});
