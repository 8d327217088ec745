# PyTorch peer of bench/workloads/mlp.js: the same model, batches and timing rules.
# setup() is shared with the `rss` twin's child process.
import torch
import torch.nn as nn
import torch.nn.functional as F

from lib_train import time_train_steps


def setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = [(torch.randn(128, 784), torch.randint(0, 10, (128,))) for _ in range(8)]

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return batches, step


def run(ctx):
    batches, step = setup()
    return {'results': {'train step': time_train_steps(step, batches, ctx['quick'])},
            'meta': {'threads': ctx['threads'], 'torch': torch.__version__, 'batch': 128}}
