"""Times one training step of the benchmark models in PyTorch.

Mirrors lib/models/resnet.ts and lib/models/olmo.ts at the sizes that
tests/bench/train_step.ts passes on the command line, with the same loss
(mean softmax cross-entropy) and optimizer (AdamW).

Usage: python3 torch_step.py '<json config>'
  - with "serve": true in the config, prints {"ready": ...} and then times
    one step per model name read from stdin ({"model", "ms"} per line);
  - otherwise prints {"model", "ms" (median), "threads"} per model after
    "warmup" and "steps" steps.
"""

import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, inc, outc, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inc, outc, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outc)
        self.conv2 = nn.Conv2d(outc, outc, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outc)
        self.shortcut = None
        if stride != 1 or inc != outc:
            self.shortcut = nn.Sequential(
                nn.Conv2d(inc, outc, 1, stride, 0, bias=False),
                nn.BatchNorm2d(outc),
            )

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + skip)


class ResNet(nn.Module):
    def __init__(self, blocks, width, classes, in_channels):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        layers = []
        channels = width
        for stage, count in enumerate(blocks):
            out = width * 2**stage
            for b in range(count):
                stride = 2 if b == 0 and stage > 0 else 1
                layers.append(BasicBlock(channels, out, stride))
                channels = out
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.layers(x)
        return self.fc(x.mean(dim=(2, 3)))


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    first, second = x[..., :half], x[..., half:]
    return x * cos + torch.cat([-second, first], dim=-1) * sin


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.gate = nn.Linear(d, mlp, bias=False)
        self.up = nn.Linear(d, mlp, bias=False)
        self.down = nn.Linear(mlp, d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, C = x.shape
        h = self.heads
        n = F.layer_norm(x, (C,), eps=1e-5)

        def split(t):
            return t.view(B, T, h, C // h).transpose(1, 2)

        q = rotate(split(self.wq(n)), cos, sin)
        k = rotate(split(self.wk(n)), cos, sin)
        v = split(self.wv(n))
        scores = q @ k.transpose(-2, -1) / math.sqrt(C // h) + mask
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.wo(mixed)
        n = F.layer_norm(x, (C,), eps=1e-5)
        g = self.gate(n)
        return x + self.down(F.silu(g) * self.up(n))


class Olmo(nn.Module):
    def __init__(self, vocab, d, layers, heads, context):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(
            [Block(d, heads, 4 * d) for _ in range(layers)])
        hd = d // heads
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        angles = torch.arange(context).float()[:, None] * inv[None, :]
        angles = torch.cat([angles, angles], dim=-1)
        self.register_buffer("cos", angles.cos())
        self.register_buffer("sin", angles.sin())
        mask = torch.full((context, context), -1e9).triu(1)
        self.register_buffer("mask", mask)

    def forward(self, ids):
        T = ids.shape[1]
        x = self.embedding(ids)
        cos, sin, mask = self.cos[:T], self.sin[:T], self.mask[:T, :T]
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        x = F.layer_norm(x, (x.shape[-1],), eps=1e-5)
        return x @ self.embedding.weight.t()


def make_step(model, inputs, labels, classes):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

    def step():
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, classes), labels)
        loss.backward()
        opt.step()
        loss.item()
        return (time.perf_counter() - start) * 1000

    return step


def build(config):
    """One step function per model named in config."""
    steps = {}
    if "resnet" in config:
        r = config["resnet"]
        model = ResNet(r["blocks"], r["width"], r["classes"], 3).train()
        x = torch.randn(r["batch"], 3, r["size"], r["size"])
        y = torch.randint(0, r["classes"], (r["batch"],))
        steps["resnet"] = make_step(model, x, y, r["classes"])
    if "olmo" in config:
        o = config["olmo"]
        model = Olmo(o["vocab"], o["dim"], o["layers"], o["heads"],
                     o["context"]).train()
        ids = torch.randint(0, o["vocab"], (o["batch"], o["context"]))
        y = torch.randint(0, o["vocab"], (o["batch"] * o["context"],))
        steps["olmo"] = make_step(model, ids, y, o["vocab"])
    return steps


def main():
    config = json.loads(sys.argv[1])
    if "threads" in config:
        torch.set_num_threads(config["threads"])
    torch.manual_seed(0)
    steps = build(config)
    if config.get("serve"):
        # One step per line naming a model on stdin, its time on stdout, so
        # that the caller can interleave them with its own steps.
        print(json.dumps({"ready": True, "threads": torch.get_num_threads(),
                          "version": torch.__version__}), flush=True)
        for line in sys.stdin:
            name = line.strip()
            if not name:
                break
            print(json.dumps({"model": name, "ms": steps[name]()}),
                  flush=True)
        return
    for name, step in steps.items():
        for _ in range(config["warmup"]):
            step()
        ms = statistics.median(step() for _ in range(config["steps"]))
        print(json.dumps({"model": name, "ms": ms,
                          "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
