# PyTorch peer of bench/workloads/gpt.js: the same tiny GPT (bench/models/gpt_torch.py), batches and
# timing rules.
import os
import sys

import torch
import torch.nn.functional as F

from lib_train import time_train_steps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models'))
from gpt_torch import TinyGPT, FUSED  # noqa: E402

VOCAB, SEQ, BATCH = 256, 128, 16


def run(ctx):
    torch.manual_seed(0)
    model = TinyGPT(vocab=VOCAB, d=128, n_head=4, n_layer=2, seq=SEQ)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    batches = [(torch.randint(0, VOCAB, (BATCH, SEQ)), torch.randint(0, VOCAB, (BATCH * SEQ,))) for _ in range(8)]

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x).reshape(BATCH * SEQ, VOCAB), y).backward()
        opt.step()
    n_params = sum(p.numel() for p in model.parameters())
    return {'results': {'train step': time_train_steps(step, batches, ctx['quick'], warmup=2, samples=7, min_sample_ms=300)},
            'meta': {'threads': ctx['threads'], 'torch': torch.__version__, 'batch': BATCH, 'params': n_params, 'fused_attention': FUSED}}
