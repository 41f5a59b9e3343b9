"""Rates of PyTorch's own schedulers, the oracle for tests/schedules_torch_test.ts.

Reads a JSON list of cases from standard input; each case names a scheduler,
its constructor arguments, the base rate and how many steps to record. Writes
a JSON list with the recorded rates of every case, in order.
"""

import json
import sys

import torch

SCHEDULERS = {
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "MultiStepLR": torch.optim.lr_scheduler.MultiStepLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
    "PolynomialLR": torch.optim.lr_scheduler.PolynomialLR,
    "OneCycleLR": torch.optim.lr_scheduler.OneCycleLR,
    "CosineAnnealingWarmRestarts":
        torch.optim.lr_scheduler.CosineAnnealingWarmRestarts,
}


def rates(case):
    weight = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=case["lr"])
    scheduler = SCHEDULERS[case["scheduler"]](optimizer, **case["args"])
    recorded = []
    for _ in range(case["steps"]):
        recorded.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return recorded


print(json.dumps([rates(case) for case in json.load(sys.stdin)]))
