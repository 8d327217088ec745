"""Shape-manipulating copies: x.flip(dims), x.roll(shifts, dims?), x.repeat(sizes), x.tile(sizes),
x.tril(diagonal?), x.triu(diagonal?). Negative dims and shifts, shifts beyond the size, flattened
roll, extra leading repeat dims, batched and non-square triangles, integer/bool dtypes, non-contiguous
inputs."""
from .common import Family, R, RI, RB, X

NAME = 'manip'


def build():
    f = Family(NAME)
    c = f.case
    x234 = lambda **kw: R([2, 3, 4], **kw)
    c('dim0', 'flip', [x234()], [X, [0]])
    c('dims', 'flip', [x234()], [X, [0, 2]])
    c('neg', 'flip', [x234()], [X, [-1]])
    c('all', 'flip', [x234()], [X, [0, 1, 2]])
    c('int64', 'flip', [RI([3, 4], -9, 9)], [X, [1]])
    c('bool', 'flip', [RB([5])], [X, [0]])
    c('noncontig', 'flip', [R([4, 3], view=[('transpose', 0, 1)])], [X, [1]])

    c('flat', 'roll', [R([3, 4])], [X, 1])
    c('flat-neg', 'roll', [R([3, 4])], [X, -5])
    c('dim0', 'roll', [R([3, 4])], [X, 1, 0])
    c('multi', 'roll', [x234()], [X, [1, -2], [0, 2]])
    c('beyond', 'roll', [R([3, 4])], [X, 7, 1])
    c('neg-dim', 'roll', [x234()], [X, -1, -1])
    c('int64', 'roll', [RI([5], -9, 9)], [X, 2, 0])
    c('noncontig', 'roll', [R([4, 3], view=[('transpose', 0, 1)])], [X, 1, 1])

    c('2d', 'repeat', [R([2, 3])], [X, [2, 1]])
    c('lead', 'repeat', [R([2, 3])], [X, [2, 1, 3]])
    c('1d', 'repeat', [R([3])], [X, [3]])
    c('int64', 'repeat', [RI([2, 2], -9, 9)], [X, [1, 3]])
    c('zero', 'repeat', [R([2, 3])], [X, [0, 2]])
    c('noncontig', 'repeat', [R([3, 2], view=[('transpose', 0, 1)])], [X, [2, 2]])
    c('0d', 'repeat', [R([])], [X, [3]])

    c('fewer', 'tile', [R([2, 3])], [X, [2]])
    c('same', 'tile', [R([2, 3])], [X, [2, 2]])
    c('more', 'tile', [R([3])], [X, [2, 1, 2]])
    c('bool', 'tile', [RB([2, 2])], [X, [1, 2]])

    for op in ('tril', 'triu'):
        c('default', op, [R([4, 4])], [X])
        c('plus1', op, [R([3, 5])], [X, 1])
        c('minus1', op, [R([5, 3])], [X, -1])
        c('far', op, [R([3, 4])], [X, -5])
        c('batch', op, [R([2, 3, 4])], [X, 0])
        c('int64', op, [RI([3, 3], -9, 9)], [X, 1])
        c('bool', op, [RB([3, 3])], [X])
        c('noncontig', op, [R([4, 3], view=[('transpose', 0, 1)])], [X, -1])
    return f
