"""View ops and cat/stack: reshape, view, flatten, unflatten, transpose, t, permute, squeeze, unsqueeze,
expand, narrow, slice (with step), select, split, chunk, unbind, cat, stack. Gradients of
sum(out * w) check the backward scatter of every view."""
import torch

from .common import Family, R, RI, RB, V, X, Y, Z, TS

NAME = 'views'


def sl(t, dim, start, end, step):
    idx = [slice(None)] * t.dim()
    idx[dim] = slice(start, end, step)
    return t[tuple(idx)]


def build():
    f = Family(NAME)
    c = f.case
    x234 = lambda **kw: R([2, 3, 4], **kw)

    c('to-6x4', 'reshape', [x234()], [X, [6, 4]])
    c('infer', 'reshape', [x234()], [X, [4, -1]])
    c('flat', 'reshape', [x234()], [X, [-1]])
    c('noncontig', 'reshape', [R([4, 3, 2], view=[('transpose', 0, 2)])], [X, [4, 6]])
    c('int64', 'reshape', [RI([2, 3, 4], -9, 9)], [X, [3, 8]])
    c('0d-to-1', 'reshape', [R([])], [X, [1]])
    c('1-to-0d', 'reshape', [R([1])], [X, []])
    c('empty', 'reshape', [R([0, 3])], [X, [3, 0, 2]])

    c('2x12', 'view', [x234()], [X, [2, 12]])
    c('infer', 'view', [x234()], [X, [-1, 3, 2]])
    c('row-slice', 'view', [R([4, 6], view=[('slice', 0, 1, 3, 1)])], [X, [3, 4]])
    c('bool', 'view', [RB([2, 6])], [X, [3, 4]])

    c('all', 'flatten', [x234()], [X])
    c('from-1', 'flatten', [x234()], [X, 1])
    c('0-1', 'flatten', [x234()], [X, 0, 1])
    c('neg', 'flatten', [R([2, 3, 2, 2])], [X, -2, -1])
    c('noncontig', 'flatten', [x234(view=[('permute', [2, 0, 1])])], [X])
    c('0d', 'flatten', [R([])], [X])

    c('mid', 'unflatten', [x234()], [X, 1, [3, 1]])
    c('neg-infer', 'unflatten', [x234()], [X, -1, [2, -1]])

    c('01', 'transpose', [x234()], [X, 0, 1])
    c('neg', 'transpose', [x234()], [X, -1, -3])
    c('same', 'transpose', [x234()], [X, 1, 1])
    c('int32', 'transpose', [RI([3, 4], -5, 5, dtype='int32')], [X, 0, 1])
    c('twice', 'transpose', [x234(view=[('transpose', 0, 2)])], [X, 1, 2])

    c('2d', 't', [R([3, 5])], [X])
    c('1d', 't', [R([4])], [X])

    c('201', 'permute', [x234()], [X, [2, 0, 1]])
    c('neg', 'permute', [x234()], [X, [-1, 0, 1]])
    c('int64', 'permute', [RI([2, 3, 4], -9, 9)], [X, [1, 2, 0]])
    c('bool', 'permute', [RB([2, 3])], [X, [1, 0]])
    c('noncontig', 'permute', [x234(view=[('slice', 2, 0, 4, 2)])], [X, [2, 1, 0]])

    c('all', 'squeeze', [R([1, 3, 1, 2])], [X])
    c('dim0', 'squeeze', [R([1, 3, 1, 2])], [X, 0])
    c('neg', 'squeeze', [R([1, 3, 1, 2])], [X, -2])
    c('not-1', 'squeeze', [R([1, 3, 1, 2])], [X, 1])

    c('0', 'unsqueeze', [R([2, 3])], [X, 0])
    c('neg', 'unsqueeze', [R([2, 3])], [X, -1])
    c('mid', 'unsqueeze', [R([2, 3])], [X, 1])
    c('0d', 'unsqueeze', [R([])], [X, 0])
    c('noncontig', 'unsqueeze', [R([3, 2], view=[('transpose', 0, 1)])], [X, 1])

    c('col', 'expand', [R([3, 1])], [X, [3, 4]])
    c('lead', 'expand', [R([4])], [X, [2, 3, 4]])
    c('minus1', 'expand', [R([1, 3])], [X, [2, -1]])
    c('int64', 'expand', [RI([2, 1], 0, 9)], [X, [2, 3]])

    c('0-1-2', 'narrow', [R([4, 3])], [X, 0, 1, 2])
    c('neg-dim', 'narrow', [x234()], [X, -1, 1, 2])
    c('neg-start', 'narrow', [x234()], [X, 2, -3, 2])
    c('noncontig', 'narrow', [R([3, 4], view=[('transpose', 0, 1)])], [X, 1, 1, 2])

    for name, a in [('step2', [1, 0, 3, 2]), ('last-step2', [2, 1, 4, 2]), ('neg-start', [0, -1, 2, 1]),
                    ('neg-both', [2, -3, -1, 1]), ('step3', [2, 0, 4, 3]), ('clamped-end', [1, 1, 100, 1]),
                    ('neg-dim', [-1, 0, 4, 2]), ('empty', [1, 2, 2, 1])]:
        c(name, 'slice', [x234()], [X] + a, fn=lambda x, a=a: sl(x, *a))
    c('noncontig', 'slice', [R([5, 4], view=[('transpose', 0, 1)])], [X, 1, 0, 5, 2], fn=lambda x: sl(x, 1, 0, 5, 2))

    c('mid', 'select', [x234()], [X, 1, 2])
    c('neg', 'select', [x234()], [X, -1, -1])
    c('first', 'select', [x234()], [X, 0, 0])
    c('1d', 'select', [R([5])], [X, 0, 3])

    x253 = lambda **kw: R([2, 5, 3], **kw)
    c('size', 'split', [x253()], [X, 2, 1])
    c('sections', 'split', [x253()], [X, [1, 4], 1])
    c('dim0', 'split', [x253()], [X, 1])
    c('neg-dim', 'split', [x253()], [X, [2, 0, 1], -1])
    c('3', 'chunk', [x253()], [X, 3, 1])
    c('neg', 'chunk', [x253()], [X, 2, -1])
    c('uneven', 'chunk', [x253()], [X, 4, 1])
    c('0', 'unbind', [x253()], [X, 0])
    c('neg', 'unbind', [x253()], [X, -1])

    cat = lambda *ts, dim=0: torch.cat(ts, dim)
    c('dim0', 'cat', [R([2, 3]), R([1, 3])], [TS(0, 1), 0], fn=cat)
    c('neg', 'cat', [R([2, 1]), R([2, 3]), R([2, 2])], [TS(0, 1, 2), -1], fn=lambda *t: torch.cat(t, -1))
    c('promote-int-float', 'cat', [RI([2, 2], -5, 5), R([1, 2])], [TS(0, 1), 0], fn=cat)
    c('promote-f32-f64', 'cat', [R([1, 2]), R([2, 2], dtype='float64')], [TS(0, 1), 0], fn=cat)
    c('bool', 'cat', [RB([2]), RB([3])], [TS(0, 1), 0], fn=cat)
    c('bool-int', 'cat', [RB([2]), RI([3], 0, 9, dtype='int32')], [TS(0, 1), 0], fn=cat)
    c('legacy-empty', 'cat', [R([2, 3]), V([])], [TS(0, 1), 0], fn=cat)
    c('noncontig', 'cat', [R([3, 2], view=[('transpose', 0, 1)]), R([2, 2])], [TS(0, 1), 1], fn=lambda a, b: torch.cat([a, b], 1))
    c('3d-mid', 'cat', [R([2, 1, 2]), R([2, 2, 2])], [TS(0, 1), 1], fn=lambda a, b: torch.cat([a, b], 1))

    c('dim0', 'stack', [R([2, 3]), R([2, 3])], [TS(0, 1), 0], fn=lambda *t: torch.stack(t, 0))
    c('neg', 'stack', [R([2, 3]), R([2, 3]), R([2, 3])], [TS(0, 1, 2), -1], fn=lambda *t: torch.stack(t, -1))
    c('mid', 'stack', [R([2, 3]), R([3, 2], view=[('transpose', 0, 1)])], [TS(0, 1), 1], fn=lambda *t: torch.stack(t, 1))
    c('int64', 'stack', [RI([2], 0, 9), RI([2], 0, 9)], [TS(0, 1), 0], fn=lambda *t: torch.stack(t, 0))
    c('0d', 'stack', [R([]), R([])], [TS(0, 1), 0], fn=lambda *t: torch.stack(t, 0))
    return f
