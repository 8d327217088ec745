# PyTorch peer of bench/workloads/lenet.js: the same model, batches and timing rules.
import torch
import torch.nn as nn
import torch.nn.functional as F

from lib_train import time_train_steps


def run(ctx):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = [(torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))) for _ in range(8)]

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return {'results': {'train step': time_train_steps(step, batches, ctx['quick'])},
            'meta': {'threads': ctx['threads'], 'torch': torch.__version__, 'batch': 64}}
