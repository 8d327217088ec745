"""Reductions over one, several, negative or all dims, with and without keepdim: sum, mean, prod,
max/min (full, and values+indices along a dim), amax, amin, argmax, argmin, var/std (correction),
logsumexp, norm (p = 1, 2, inf, -inf, 0, 3, 'fro'), any, all. Integer/bool inputs, float64, NaN/Inf,
ties, empty tensors and non-contiguous inputs."""
import torch

from .common import Family, R, RI, RB, V, X, NAN, INF

NAME = 'reduce'

X345 = lambda **kw: R([3, 4, 5], **kw)
NC = lambda **kw: R([5, 3, 4], view=[('permute', [1, 2, 0])], **kw)   # (3, 4, 5), non-contiguous
SPEC = [[1.0, NAN, 2.0, -1.0], [INF, 1.0, -INF, 0.0], [1e30, 1e30, -3.0, 2.0]]


def alldims(n):
    return list(range(n))


def build():
    f = Family(NAME)
    c = f.case

    # sum / mean: dims given as int, list, negative, all (null); keepdim
    for op in ('sum', 'mean'):
        tf = getattr(torch, op)
        c('all', op, [X345()], [X])
        c('dim1', op, [X345()], [X, 1])
        c('dim-neg', op, [X345()], [X, -1])
        c('dims-0-2', op, [X345()], [X, [0, 2]])
        c('dims-neg-keep', op, [X345()], [X, [-1, 0], {'keepdim': True}])
        c('all-keep', op, [X345()], [X, None, {'keepdim': True}], fn=lambda x, tf=tf: tf(x, [0, 1, 2], keepdim=True))
        c('dim1-keep', op, [X345()], [X, 1, {'keepdim': True}])
        c('f64', op, [R([4, 6], dtype='float64', dec=4)], [X, 0])
        c('noncontig', op, [NC()], [X, [0, 1]])
        c('noncontig-all', op, [NC()], [X])
        c('special', op, [V(SPEC)], [X, 1], grad=False)
        c('0d', op, [R([])], [X])
        c('empty', op, [R([2, 0])], [X, 1])
        c('long-row', op, [R([2, 300], dec=3)], [X, 1])
    c('empty-all', 'mean', [R([0])], [X], grad=False)
    c('empty-all', 'sum', [R([0, 3])], [X])
    for dt in ('int64', 'int32', 'uint8'):
        c(f'{dt}', 'sum', [RI([3, 4], 0 if dt == 'uint8' else -9, 9, dtype=dt)], [X, 1])
        c(f'{dt}-all', 'sum', [RI([3, 4], 0 if dt == 'uint8' else -9, 9, dtype=dt)], [X])
    c('bool', 'sum', [RB([3, 4])], [X, 0])
    c('bool-all', 'sum', [RB([3, 4])], [X])
    c('dtype-f64', 'sum', [R([3, 4])], [X, 1, {'dtype': 'float64'}], fn=lambda x: x.sum(1, dtype=torch.float64))
    c('int-dtype-f32', 'mean', [RI([3, 4], -9, 9)], [X, 1, {'dtype': 'float32'}], fn=lambda x: x.mean(1, dtype=torch.float32))

    # prod (PyTorch 1.13: one dim or all)
    c('all', 'prod', [R([2, 3], 0.5, 1.5)], [X])
    c('dim1', 'prod', [R([3, 4], -1.5, 1.5)], [X, 1])
    c('dim-neg-keep', 'prod', [X345(lo=0.5, hi=1.5)], [X, -1, {'keepdim': True}])
    c('zeros', 'prod', [V([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0], [2.0, -1.0, 0.5]])], [X, 1])
    c('zero-all', 'prod', [V([[0.5, 2.0], [0.0, 3.0]])], [X])
    c('int64', 'prod', [RI([3, 4], -3, 4)], [X, 1])
    c('int32-all', 'prod', [RI([5], 1, 4, dtype='int32')], [X])
    c('bool', 'prod', [RB([3, 4], 0.8)], [X, 1])
    c('f64', 'prod', [R([3, 4], -2, 2, dtype='float64')], [X, 0])
    c('noncontig', 'prod', [NC(lo=0.5, hi=1.5)], [X, 1])
    c('special', 'prod', [V(SPEC)], [X, 1], grad=False)
    c('empty', 'prod', [R([2, 0])], [X, 1])

    # max / min: full (a tensor) and along a dim ({values, indices})
    for op in ('max', 'min'):
        c('full', op, [X345()], [X])
        c('dim1', op, [X345()], [X, 1])
        c('dim-neg-keep', op, [X345()], [X, -1, {'keepdim': True}])
        c('dim0', op, [R([4, 3])], [X, 0])
        c('ties', op, [V([[1.0, 3.0, 3.0, -1.0], [-2.0, -2.0, 0.0, -2.0]])], [X, 1])
        c('ties-full', op, [V([[1.0, 3.0, 3.0], [-2.0, 3.0, -2.0]])], [X])
        c('nan', op, [V([[1.0, NAN, 2.0], [INF, -INF, 0.0]])], [X, 1], grad=False)
        c('nan-full', op, [V([1.0, NAN, 2.0])], [X], grad=False)
        c('int64', op, [RI([3, 4], -9, 9)], [X, 1])
        c('int64-full', op, [RI([3, 4], -9, 9)], [X])
        c('bool', op, [RB([3, 4])], [X, 1])
        c('f64', op, [R([3, 4], dtype='float64', dec=4)], [X, 1])
        c('noncontig', op, [NC()], [X, 2])
        c('0d', op, [R([])], [X, 0])
    for op in ('amax', 'amin'):
        c('all', op, [X345()], [X])
        c('dim1', op, [X345()], [X, 1])
        c('dims', op, [X345()], [X, [0, 2]])
        c('dims-keep', op, [X345()], [X, [-1, 1], {'keepdim': True}])
        c('ties', op, [V([[1.0, 3.0, 3.0, -1.0], [-2.0, -2.0, 0.0, -2.0]])], [X, 1])
        c('nan', op, [V([[1.0, NAN, 2.0], [INF, -INF, 0.0]])], [X, 1], grad=False)
        c('int32', op, [RI([3, 4], -9, 9, dtype='int32')], [X, 0])
        c('noncontig', op, [NC()], [X, [0, 2]])
    for op in ('argmax', 'argmin'):
        c('flat', op, [X345()], [X])
        c('dim1', op, [X345()], [X, 1])
        c('dim-neg-keep', op, [X345()], [X, -1, {'keepdim': True}])
        c('ties', op, [V([[1.0, 3.0, 3.0, -1.0], [-2.0, -2.0, 0.0, -2.0]])], [X, 1])
        c('ties-flat', op, [V([[-2.0, 3.0], [3.0, -2.0]])], [X])
        c('nan', op, [V([[1.0, NAN, 2.0], [INF, -INF, NAN]])], [X, 1])
        c('int64', op, [RI([3, 4], -9, 9)], [X, 0])
        c('noncontig', op, [NC()], [X, 1])

    # var / std
    for op in ('var', 'std'):
        tf = getattr(torch, op)
        c('all', op, [X345()], [X])
        c('dim1', op, [X345()], [X, 1])
        c('corr0', op, [X345()], [X, 1, {'correction': 0}], fn=lambda x, tf=tf: tf(x, 1, correction=0))
        c('corr2-keep', op, [X345()], [X, [0, 2], {'correction': 2, 'keepdim': True}],
          fn=lambda x, tf=tf: tf(x, [0, 2], correction=2, keepdim=True))
        c('unbiased-false', op, [R([3, 4])], [X, -1, {'unbiased': False}], fn=lambda x, tf=tf: tf(x, -1, unbiased=False))
        c('all-corr0', op, [R([3, 4])], [X, None, {'correction': 0}], fn=lambda x, tf=tf: tf(x, [0, 1], correction=0))
        c('f64', op, [R([4, 6], dtype='float64', dec=4)], [X, 1])
        c('noncontig', op, [NC()], [X, [1, 2]])
        # forward only: the gradient needs x - mean(x) near 1000, where float32 keeps ~4 digits and
        # PyTorch and neurona round the mean differently (both within an ulp of 1000 = 6e-5)
        c('offset', op, [R([3, 8], 1000, 1001, dec=3)], [X, 1], grad=False)
        c('single', op, [R([3, 1])], [X, 1], grad=False)
        c('special', op, [V(SPEC)], [X, 1], grad=False)

    # logsumexp
    c('dim1', 'logsumexp', [X345(lo=-3, hi=3)], [X, 1])
    c('dims-keep', 'logsumexp', [X345(lo=-3, hi=3)], [X, [0, 2], {'keepdim': True}])
    c('neg', 'logsumexp', [X345(lo=-3, hi=3)], [X, -1])
    c('large', 'logsumexp', [R([2, 4], 1000, 1010)], [X, 1])
    c('very-negative', 'logsumexp', [R([2, 4], -1010, -1000)], [X, 1])
    c('neg-inf', 'logsumexp', [V([[-INF, 0.0, 1.0], [-INF, -INF, -INF]])], [X, 1], grad=False)
    c('special', 'logsumexp', [V(SPEC)], [X, 1], grad=False)
    c('f64', 'logsumexp', [R([3, 5], -5, 5, dtype='float64')], [X, 1])
    c('int', 'logsumexp', [RI([3, 4], -5, 5)], [X, 1], optional=True)
    c('noncontig', 'logsumexp', [NC()], [X, [0, 1]])

    # norm(p, dims, {keepdim})
    for p, pn in [(1, '1'), (2, '2'), (INF, 'inf'), (-INF, '-inf'), (3, '3'), (0, '0'), (0.5, '0.5'), ('fro', 'fro')]:
        grad = p not in (0,)
        c(f'p{pn}-all', 'norm', [X345()], [X, p], fn=lambda x, p=p: torch.norm(x, p), grad=grad)
        if p != 'fro':
            c(f'p{pn}-dim1', 'norm', [X345()], [X, p, 1], fn=lambda x, p=p: torch.norm(x, p, 1), grad=grad)
        c(f'p{pn}-dims-keep', 'norm', [X345()], [X, p, [0, 2], {'keepdim': True}],
          fn=lambda x, p=p: torch.norm(x, p, [0, 2], keepdim=True), grad=grad)
    c('default', 'norm', [X345()], [X], fn=lambda x: torch.norm(x))
    c('p2-f64', 'norm', [R([3, 4], dtype='float64', dec=4)], [X, 2, 1], fn=lambda x: torch.norm(x, 2, 1))
    c('p2-noncontig', 'norm', [NC()], [X, 2, [0, 1]], fn=lambda x: torch.norm(x, 2, [0, 1]))
    c('p2-zero-row', 'norm', [V([[0.0, 0.0], [3.0, 4.0]])], [X, 2, 1], fn=lambda x: torch.norm(x, 2, 1))
    # Not checked: 2-norms whose squares overflow float32 (e.g. of 1e30): PyTorch accumulates them in
    # float32 and returns inf, neurona accumulates in float64 and returns the finite norm.
    c('p2-special', 'norm', [V(SPEC[:2])], [X, 2, 1], fn=lambda x: torch.norm(x, 2, 1), grad=False)
    c('p2-large', 'norm', [R([2, 3], 1e18, 3e18, dec=None)], [X, 2, 1], fn=lambda x: torch.norm(x, 2, 1))
    c('pinf-special', 'norm', [V(SPEC)], [X, INF, 1], fn=lambda x: torch.norm(x, INF, 1), grad=False)

    # any / all (PyTorch 1.13: one dim or all)
    for op in ('any', 'all'):
        c('f32', op, [V([[0.0, 1.5, 0.0], [0.0, 0.0, 0.0], [2.0, -1.0, 3.0]])], [X, 1])
        c('f32-all', op, [V([[0.0, 1.5], [2.0, -1.0]])], [X])
        c('nan', op, [V([[NAN, 0.0], [NAN, 1.0]])], [X, 1])
        c('bool', op, [RB([3, 4], 0.7)], [X, 0])
        c('bool-keep', op, [RB([3, 4], 0.3)], [X, -1, {'keepdim': True}])
        c('bool-all', op, [RB([3, 4], 0.9)], [X])
        c('int64', op, [RI([3, 4], 0, 3)], [X, 1])
        c('empty', op, [RB([2, 0])], [X, 1])
        c('noncontig', op, [RB([4, 3], view=[('transpose', 0, 1)])], [X, 1])
    return f
