"""Sorting: x.sort(dim?, {descending}) -> {values, indices}, x.argsort(dim?, {descending}),
x.topk(k, dim?, {largest, sorted}) -> {values, indices}. Inputs have distinct values (the order of
tied elements is unspecified in PyTorch), except NaN, which sorts as the largest value."""
import torch

from .common import Family, In, R, V, X, NAN, INF

NAME = 'sorting'


def D(shape, dtype='float32', view=(), scale=0.25):
    """Distinct values: a random permutation of 0..n-1, centred and scaled (exact in JSON)."""
    def make(g):
        n = 1
        for s in shape:
            n *= s
        t = (torch.randperm(n, generator=g).to(torch.float64) - n // 2) * scale
        return t.reshape(shape).to(getattr(torch, dtype))
    return In(make, view=view)


def build():
    f = Family(NAME)
    c = f.case
    c('default', 'sort', [D([3, 5])], [X])
    c('dim0', 'sort', [D([4, 3])], [X, 0])
    c('desc', 'sort', [D([3, 5])], [X, 1, {'descending': True}])
    c('neg-dim-3d', 'sort', [D([2, 3, 4])], [X, -2])
    c('f64', 'sort', [D([2, 6], 'float64', scale=0.125)], [X, 1])
    c('int64', 'sort', [D([3, 4], 'int64', scale=1)], [X, 1, {'descending': True}])
    c('int32', 'sort', [D([5], 'int32', scale=1)], [X, 0])
    c('noncontig', 'sort', [D([5, 3], view=[('transpose', 0, 1)])], [X, 1])
    c('nan-inf', 'sort', [V([[3.0, NAN, -INF, 1.0], [INF, -1.0, 0.5, -2.0]])], [X, 1], grad=False)
    c('nan-desc', 'sort', [V([[3.0, NAN, -INF, 1.0], [INF, -1.0, 0.5, -2.0]])], [X, 1, {'descending': True}], grad=False)
    c('long', 'sort', [D([2, 40])], [X, 1])
    c('0d', 'sort', [V(1.5)], [X, 0])
    c('empty', 'sort', [R([2, 0])], [X, 1])

    c('default', 'argsort', [D([3, 5])], [X])
    c('desc-dim0', 'argsort', [D([4, 3])], [X, 0, {'descending': True}])
    c('int64', 'argsort', [D([6], 'int64', scale=1)], [X, 0])
    c('noncontig', 'argsort', [D([5, 3], view=[('transpose', 0, 1)])], [X, -1])

    c('k2', 'topk', [D([3, 6])], [X, 2])
    c('dim0', 'topk', [D([5, 3])], [X, 3, 0])
    c('smallest', 'topk', [D([3, 6])], [X, 2, 1, {'largest': False}])
    c('k-all', 'topk', [D([2, 4])], [X, 4, -1])
    c('k0', 'topk', [D([2, 4])], [X, 0])
    c('f64', 'topk', [D([2, 7], 'float64')], [X, 3])
    c('int64', 'topk', [D([3, 5], 'int64', scale=1)], [X, 2, 1])
    c('noncontig', 'topk', [D([6, 3], view=[('transpose', 0, 1)])], [X, 2, 1])
    c('3d-mid', 'topk', [D([2, 5, 3])], [X, 2, 1])
    c('nan', 'topk', [V([[3.0, NAN, -INF, 1.0], [INF, -1.0, 0.5, -2.0]])], [X, 2], grad=False)
    c('long', 'topk', [D([2, 50])], [X, 5, 1])
    return f
