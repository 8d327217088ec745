# PyTorch peer of bench/workloads/gemm.js: the same shapes, operands and timing rules.
import torch

from lib_stats import timeit, summarize

SHAPES = [
    ('256^3', 256, 256, 256, None),
    ('512^3', 512, 512, 512, None),
    ('1024^3', 1024, 1024, 1024, None),
    ('2048^3', 2048, 2048, 2048, None),
    ('128x784x256', 128, 784, 256, None),
    ('dX=G.Wt 128x256x784', 128, 256, 784, 'bt'),
    ('dW=Xt.G 784x128x256', 784, 128, 256, 'at'),
]


def run(ctx):
    results = {}
    for name, M, K, N, kind in SHAPES:
        torch.manual_seed(0)
        a = torch.randn(K, M).t() if kind == 'at' else torch.randn(M, K)
        b = torch.randn(N, K).t() if kind == 'bt' else torch.randn(K, N)
        flops = 2 * M * K * N
        ms = timeit(lambda: torch.matmul(a, b), warmup=3, samples=3 if ctx['quick'] else 9,
                    min_sample_ms=20 if ctx['quick'] else 60)
        results[name] = summarize([flops / (t * 1e6) for t in ms], 'GFLOP/s')
    return {'results': results, 'meta': {'threads': ctx['threads'], 'torch': torch.__version__}}
