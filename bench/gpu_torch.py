# PyTorch eager twin of bench/gpu.js on the GPU: the same models (bench/models/gpt_torch.py), batch,
# AdamW (fused when available) and autocast bfloat16; one JSON line per configuration.
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'models'))
from gpt_torch import TinyGPT  # noqa: E402

CONFIGS = [
    ('tiny-gpt', dict(vocab=256, d=128, n_head=4, n_layer=2, seq=128), 16, [False, True], 50),
    ('gpt2-small', dict(vocab=50304, d=768, n_head=12, n_layer=12, seq=1024), 8, [True], 10),
]


class DeviceGPT(TinyGPT):
    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T, device=idx.device))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def run(cfg, batch, amp, steps):
    torch.manual_seed(0)
    m = DeviceGPT(**cfg).cuda()
    try:
        opt = torch.optim.AdamW(m.parameters(), lr=3e-4, weight_decay=0.1, fused=True)
    except TypeError:
        opt = torch.optim.AdamW(m.parameters(), lr=3e-4, weight_decay=0.1)
    V, T = cfg['vocab'], cfg['seq']
    x = torch.randint(0, V, (batch, T), device='cuda')
    y = torch.randint(0, V, (batch, T), device='cuda')

    def step():
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=amp):
            loss = F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    first = [step() for _ in range(3)][0]
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    last = 0.0
    for _ in range(steps):
        last = step()
    torch.cuda.synchronize()
    s = time.perf_counter() - t0
    return dict(steps_per_s=steps / s, tokens_per_s=steps * batch * T / s, loss_first=first, loss_last=last,
                memory_reserved_mib=torch.cuda.memory_reserved() / 2 ** 20)


for name, cfg, batch, amps, steps in CONFIGS:
    for amp in amps:
        try:
            r = run(cfg, batch, amp, steps)
            print(json.dumps(dict(lib='torch', version=torch.__version__, workload=name, amp='bf16' if amp else 'fp32', **r)), flush=True)
        except Exception as e:  # report and go on (e.g. out of memory)
            print(json.dumps(dict(lib='torch', workload=name, amp='bf16' if amp else 'fp32', error=str(e))), flush=True)
        torch.cuda.empty_cache()
