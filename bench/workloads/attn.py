# PyTorch peer of bench/workloads/attn.js. PyTorch 1.13 has no fused
# scaled_dot_product_attention (2.0+), so it runs the explicit formula with a pre-made additive
# causal mask, as models on 1.13 do; with PyTorch >= 2.0 the fused function is used.
import math

import torch

from lib_stats import timeit, timeit_split, summarize

B, H, S, D = 4, 8, 256, 64


def run(ctx):
    opts = dict(warmup=3, samples=3 if ctx['quick'] else 9, min_sample_ms=20 if ctx['quick'] else 60)
    torch.manual_seed(0)
    q, k, v = (torch.randn(B, H, S, D) for _ in range(3))
    fused = hasattr(torch.nn.functional, 'scaled_dot_product_attention')
    mask = torch.full((S, S), float('-inf')).triu(1)
    scale = 1 / math.sqrt(D)

    def attn():
        if fused:
            return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return torch.softmax(q @ k.transpose(-2, -1) * scale + mask, dim=-1) @ v
    results = {}
    with torch.no_grad():
        results['causal fwd'] = summarize(timeit(attn, **opts), 'ms')
    for t in (q, k, v):
        t.requires_grad_(True)
    g = torch.randn(B, H, S, D)

    def step():
        attn().backward(g)
        for t in (q, k, v):
            t.grad = None
    results['causal fwd+bwd'] = summarize(timeit(step, **opts), 'ms')
    # Backward alone: the forward runs untimed before each timed backward.
    st = {}

    def clear():
        for t in (q, k, v):
            t.grad = None
    results['causal bwd'] = summarize(timeit_split(lambda: st.update(y=attn()), lambda: st['y'].backward(g), clear, **opts), 'ms')
    return {'results': results, 'meta': {'threads': ctx['threads'], 'torch': torch.__version__, 'fused': fused}}
