"""Softmax, logSoftmax, cumsum, cumprod along a dim (x.<op>(dim)): every dim incl. negative ones,
float64, non-contiguous inputs, large logits (stability), -Inf entries, integer/bool cumsum/cumprod
(promoted to int64 like PyTorch), zeros in cumprod (its gradient)."""
from .common import Family, R, RI, RB, V, X, NAN, INF

NAME = 'scan'


def build():
    f = Family(NAME)
    c = f.case
    for op in ('softmax', 'logSoftmax'):
        c('dim1', op, [R([3, 5], -3, 3)], [X, 1])
        c('dim0', op, [R([3, 5], -3, 3)], [X, 0])
        c('dim-neg', op, [R([2, 3, 4], -3, 3)], [X, -1])
        c('dim-mid', op, [R([2, 3, 4], -3, 3)], [X, 1])
        c('1d', op, [R([7], -3, 3)], [X, 0])
        c('f64', op, [R([3, 5], -3, 3, dtype='float64', dec=4)], [X, 1])
        c('noncontig', op, [R([4, 3, 2], -3, 3, view=[('permute', [2, 0, 1])])], [X, -1])
        c('large', op, [R([2, 4], 1000, 1010)], [X, 1])
        c('very-negative', op, [R([2, 4], -1010, -1000)], [X, 1])
        c('neg-inf', op, [V([[-INF, 0.0, 1.0], [-INF, -INF, 2.0]])], [X, 1], grad=False)
        c('all-neg-inf', op, [V([[-INF, -INF], [0.0, 1.0]])], [X, 1], grad=False)
        c('nan', op, [V([[NAN, 0.0, 1.0], [0.0, 1.0, 2.0]])], [X, 1], grad=False)
        c('long-row', op, [R([2, 100], -5, 5)], [X, 1])
        c('0d', op, [R([])], [X, 0])
        c('empty', op, [R([0, 3])], [X, 1])
    for op in ('cumsum', 'cumprod'):
        lo, hi = (-2, 2) if op == 'cumsum' else (0.5, 1.5)
        c('dim1', op, [R([3, 5], lo, hi)], [X, 1])
        c('dim0', op, [R([3, 5], lo, hi)], [X, 0])
        c('dim-neg', op, [R([2, 3, 4], lo, hi)], [X, -1])
        c('dim-mid', op, [R([2, 3, 4], lo, hi)], [X, 1])
        c('f64', op, [R([3, 5], lo, hi, dtype='float64', dec=4)], [X, 1])
        c('noncontig', op, [R([4, 3, 2], lo, hi, view=[('permute', [2, 0, 1])])], [X, 1])
        c('int64', op, [RI([3, 4], -3, 4)], [X, 1])
        c('int32', op, [RI([3, 4], -3, 4, dtype='int32')], [X, 0])
        c('bool', op, [RB([2, 5])], [X, 1])
        c('special', op, [V([[1.0, NAN, 2.0], [INF, 1.0, -INF], [0.0, INF, 2.0]])], [X, 1], grad=False)
        c('0d', op, [R([])], [X, 0])
        c('empty', op, [R([2, 0])], [X, 1])
        c('long-row', op, [R([2, 64], lo, hi)], [X, 1])
    c('zeros', 'cumprod', [V([[1.5, 0.0, 2.0, -1.0], [0.0, 2.0, 0.0, 3.0], [2.0, -0.5, 1.5, 0.0]])], [X, 1])
    c('zeros-f64', 'cumprod', [V([[1.5, 0.0, 2.0, -1.0], [0.5, 2.0, 0.0, 3.0]], 'float64')], [X, 1])
    return f
