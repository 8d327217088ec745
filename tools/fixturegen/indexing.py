"""Indexing ops: gather, scatter (src tensor or value), scatterAdd, indexSelect, index (advanced
indexing with a list of index tensors / nulls / bool masks), maskedFill, maskedSelect, nonzero
(x.<op>(...)), and nr.oneHot(indices, numClasses?), nr.embedding(input, weight, {paddingIdx}).
Duplicate indices where the op accumulates (gradients of gather/indexSelect/embedding, scatterAdd);
distinct targets for scatter, whose result with duplicates is unspecified."""
import torch
import torch.nn.functional as F

from .common import Family, R, RI, RB, RP, V, X, Y, Z, TS, NAN

NAME = 'indexing'


def adv_index(x, *idx):
    return x[tuple(slice(None) if i is None else i for i in idx)]


def build():
    f = Family(NAME)
    c = f.case

    c('dim1', 'gather', [R([3, 4]), RI([3, 2], 0, 4)], [X, 1, Y])
    c('dim0', 'gather', [R([3, 4]), RI([2, 4], 0, 3)], [X, 0, Y])
    c('dim-neg-3d', 'gather', [R([2, 3, 4]), RI([2, 3, 5], 0, 4)], [X, -1, Y])
    c('smaller', 'gather', [R([3, 4]), RI([2, 2], 0, 4)], [X, 1, Y])
    c('int64', 'gather', [RI([3, 4], -9, 9), RI([3, 3], 0, 4)], [X, 1, Y])
    c('f64', 'gather', [R([3, 4], dtype='float64'), RI([3, 6], 0, 4)], [X, 1, Y])
    c('noncontig', 'gather', [R([4, 3], view=[('transpose', 0, 1)]), RI([3, 2], 0, 4)], [X, 1, Y])
    c('noncontig-index', 'gather', [R([3, 4]), RI([2, 3], 0, 4, view=[('transpose', 0, 1)])], [X, 1, Y])

    c('src-dim1', 'scatter', [R([3, 5]), RP([3, 3], 1, 5), R([3, 3])], [X, 1, Y, Z])
    c('src-dim0', 'scatter', [R([4, 3]), RP([2, 3], 0, 4), R([2, 3])], [X, 0, Y, Z])
    c('src-larger', 'scatter', [R([3, 5]), RP([2, 2], 1, 5), R([3, 4])], [X, 1, Y, Z], grad=False)  # PyTorch 1.13's backward fails here
    c('value', 'scatter', [R([3, 5]), RP([3, 2], 1, 5)], [X, 1, Y, 2.5])
    c('value-neg-dim', 'scatter', [R([2, 3, 4]), RP([2, 3, 2], 2, 4)], [X, -1, Y, -1.0])
    c('int64', 'scatter', [RI([3, 4], -9, 9), RP([3, 2], 1, 4), RI([3, 2], 10, 20)], [X, 1, Y, Z])
    c('src-dim1', 'scatterAdd', [R([3, 5]), RI([3, 4], 0, 5), R([3, 4])], [X, 1, Y, Z])
    c('src-dim0', 'scatterAdd', [R([4, 3]), RI([5, 3], 0, 4), R([5, 3])], [X, 0, Y, Z])
    c('dup', 'scatterAdd', [R([2, 3]), V([[0, 0, 0, 2], [1, 1, 2, 2]], 'int64'), R([2, 4])], [X, 1, Y, Z])
    c('int64', 'scatterAdd', [RI([3, 4], -9, 9), RI([3, 3], 0, 4), RI([3, 3], -5, 5)], [X, 1, Y, Z])
    c('f64-3d', 'scatterAdd', [R([2, 3, 4], dtype='float64'), RI([2, 2, 4], 0, 3), R([2, 2, 4], dtype='float64')], [X, 1, Y, Z])

    c('dim0', 'indexSelect', [R([4, 3]), V([2, 0, 2], 'int64')], [X, 0, Y])
    c('dim1', 'indexSelect', [R([3, 4]), V([3, 1], 'int64')], [X, 1, Y])
    c('dim-neg-3d', 'indexSelect', [R([2, 3, 4]), V([0, 0, 3, 1, 2], 'int64')], [X, -1, Y])
    c('int64', 'indexSelect', [RI([4, 2], -9, 9), V([1, 3], 'int64')], [X, 0, Y])
    c('int32-index', 'indexSelect', [R([4, 2]), V([1, 3, 1], 'int32')], [X, 0, Y], optional=True)
    c('noncontig', 'indexSelect', [R([4, 3], view=[('transpose', 0, 1)]), V([2, 0], 'int64')], [X, 1, Y])
    c('empty', 'indexSelect', [R([4, 3]), V([], 'int64')], [X, 0, Y])

    c('dim0', 'index', [R([4, 3]), V([2, 0, 2], 'int64')], [X, TS(1)], fn=adv_index)
    c('pair', 'index', [R([4, 3]), V([0, 3, 1], 'int64'), V([2, 0, 2], 'int64')], [X, TS(1, 2)], fn=adv_index)
    c('bcast-pair', 'index', [R([4, 3]), V([[0], [3]], 'int64'), V([2, 0, 1], 'int64')], [X, TS(1, 2)], fn=adv_index)
    c('null-first', 'index', [R([2, 4, 3]), V([3, 1], 'int64')], [X, TS(None, 1)], fn=lambda x, i: x[:, i])
    c('2d-index', 'index', [R([5, 2]), V([[0, 4], [1, 1]], 'int64')], [X, TS(1)], fn=adv_index)
    c('negative', 'index', [R([4, 3]), V([-1, 0, -4], 'int64')], [X, TS(1)], fn=adv_index)
    c('bool-mask', 'index', [R([3, 4]), RB([3, 4])], [X, TS(1)], fn=adv_index)
    c('bool-rows', 'index', [R([4, 3]), V([True, False, True, True])], [X, TS(1)], fn=adv_index)
    c('int64-data', 'index', [RI([4, 3], -9, 9), V([1, 1, 3], 'int64')], [X, TS(1)], fn=adv_index)

    c('same', 'maskedFill', [R([3, 4]), RB([3, 4])], [X, Y, -1.5])
    c('bcast', 'maskedFill', [R([3, 4]), RB([4])], [X, Y, 0.25])
    c('int64', 'maskedFill', [RI([3, 4], -9, 9), RB([3, 1])], [X, Y, 7])
    c('nan', 'maskedFill', [R([5]), V([True, False, True, False, False])], [X, Y, NAN], grad=False)
    c('noncontig', 'maskedFill', [R([4, 3], view=[('transpose', 0, 1)]), RB([3, 4])], [X, Y, 2.0])
    c('same', 'maskedSelect', [R([3, 4]), RB([3, 4])], [X, Y])
    c('bcast', 'maskedSelect', [R([3, 4]), RB([4])], [X, Y])
    c('int64', 'maskedSelect', [RI([3, 4], -9, 9), RB([3, 4])], [X, Y])
    c('none', 'maskedSelect', [R([2, 2]), V([[False, False], [False, False]])], [X, Y])

    c('f32', 'nonzero', [V([[0.0, 1.5, 0.0], [NAN, 0.0, -0.0], [2.0, -1.0, 0.0]])], [X])
    c('bool-3d', 'nonzero', [RB([2, 3, 2])], [X])
    c('int-1d', 'nonzero', [V([0, 3, 0, -1, 5], 'int64')], [X])
    c('none', 'nonzero', [V([0.0, 0.0])], [X])
    c('0d', 'nonzero', [V(2.5)], [X])
    c('noncontig', 'nonzero', [RB([3, 4], view=[('transpose', 0, 1)])], [X])

    c('given', 'oneHot', [V([0, 2, 1, 4], 'int64')], [X, 5], fn=lambda i: F.one_hot(i, 5))
    c('inferred', 'oneHot', [V([[0, 2], [3, 1]], 'int64')], [X], fn=lambda i: F.one_hot(i))
    c('0d', 'oneHot', [V(1, 'int64')], [X, 3], fn=lambda i: F.one_hot(i, 3))

    c('basic', 'embedding', [V([[0, 2, 4], [4, 3, 0]], 'int64'), R([6, 3])], [X, Y], fn=F.embedding)
    c('dup', 'embedding', [V([1, 1, 1, 5], 'int64'), R([6, 2])], [X, Y], fn=F.embedding)
    c('padding', 'embedding', [V([[0, 2, 0], [1, 2, 3]], 'int64'), R([4, 3])], [X, Y, {'paddingIdx': 0}],
      fn=lambda i, w: F.embedding(i, w, padding_idx=0))
    c('padding-neg', 'embedding', [V([3, 2, 3, 1], 'int64'), R([4, 3])], [X, Y, {'paddingIdx': -1}],
      fn=lambda i, w: F.embedding(i, w, padding_idx=-1))
    c('f64', 'embedding', [V([2, 0], 'int64'), R([3, 4], dtype='float64')], [X, Y], fn=F.embedding)
    return f
