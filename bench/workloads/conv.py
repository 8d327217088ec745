# PyTorch peer of bench/workloads/conv.js: the same shapes, operands and timing rules.
import torch
import torch.nn.functional as F

from lib_stats import timeit, summarize

CASES = {'a': (32, 3, 32, 32), 'b': (8, 64, 64, 56)}  # N, C, K, H(=W)


def operands(case, grad):
    N, C, K, H = case
    torch.manual_seed(0)
    x, w, b = torch.randn(N, C, H, H), torch.randn(K, C, 3, 3) * 0.1, torch.randn(K)
    for t in (x, w, b):
        t.requires_grad_(grad)
    return x, w, b


def run(ctx):
    opts = dict(warmup=3, samples=3 if ctx['quick'] else 9, min_sample_ms=20 if ctx['quick'] else 60)
    results = {}
    with torch.no_grad():
        for name in ('a', 'b'):
            x, w, b = operands(CASES[name], False)
            results['(%s) fwd' % name] = summarize(timeit(lambda: F.conv2d(x, w, b, padding=1), **opts), 'ms')
    x, w, b = operands(CASES['a'], True)
    g = torch.randn(32, 32, 32, 32)

    def step():
        F.conv2d(x, w, b, padding=1).backward(g)
        for t in (x, w, b):
            t.grad = None
    results['(a) fwd+bwd'] = summarize(timeit(step, **opts), 'ms')
    return {'results': results, 'meta': {'threads': ctx['threads'], 'torch': torch.__version__}}
