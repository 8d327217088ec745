"""Matrix products, called as nr.<op>(...): matmul over every rank combination (1-D/2-D/N-D, batch
broadcasting), mm, bmm, mv, dot, outer, addmm(input, m1, m2, {beta, alpha}), linear(x, w, b?).
Transposed (non-contiguous) operands, odd sizes that leave tails in blocked kernels, float64 and
int64."""
import torch
import torch.nn.functional as F

from .common import Family, R, RI, X, Y, Z

NAME = 'linalg'


def build():
    f = Family(NAME)
    c = f.case
    mm = lambda a, b: torch.matmul(a, b)
    for name, sa, sb in [
        ('1d-1d', [5], [5]), ('2d-1d', [3, 5], [5]), ('1d-2d', [5], [5, 4]), ('2d-2d', [3, 5], [5, 4]),
        ('3d-2d', [2, 3, 5], [5, 4]), ('2d-3d', [3, 5], [2, 5, 4]), ('3d-3d', [2, 3, 5], [2, 5, 4]),
        ('3d-1d', [2, 3, 5], [5]), ('1d-3d', [5], [2, 5, 4]), ('bcast-4d-3d', [2, 1, 3, 5], [3, 5, 4]),
        ('bcast-batch1', [1, 3, 5], [4, 5, 2]), ('4d-4d', [2, 2, 3, 5], [2, 2, 5, 3]),
        ('odd', [17, 33], [33, 9]), ('k1', [4, 1], [1, 3]), ('empty-k', [3, 0], [0, 4]), ('empty-m', [0, 5], [5, 2]),
    ]:
        c(name, 'matmul', [R(sa), R(sb)], [X, Y], fn=mm)
    c('f64', 'matmul', [R([3, 5], dtype='float64', dec=4), R([5, 4], dtype='float64', dec=4)], [X, Y], fn=mm)
    c('lhs-t', 'matmul', [R([5, 3], view=[('transpose', 0, 1)]), R([5, 4])], [X, Y], fn=mm)
    c('rhs-t', 'matmul', [R([3, 5]), R([4, 5], view=[('transpose', 0, 1)])], [X, Y], fn=mm)
    c('batch-t', 'matmul', [R([2, 5, 3], view=[('transpose', 1, 2)]), R([2, 4, 5], view=[('transpose', 1, 2)])], [X, Y], fn=mm)
    c('strided', 'matmul', [R([3, 10], view=[('slice', 1, 0, 10, 2)]), R([5, 4])], [X, Y], fn=mm)
    c('int64', 'matmul', [RI([3, 4], -5, 5), RI([4, 2], -5, 5)], [X, Y], fn=mm)
    c('large-k', 'matmul', [R([4, 300], dec=3), R([300, 3], dec=3)], [X, Y], fn=mm)

    c('basic', 'mm', [R([3, 5]), R([5, 4])], [X, Y], fn=torch.mm)
    c('t-t', 'mm', [R([5, 3], view=[('transpose', 0, 1)]), R([4, 5], view=[('transpose', 0, 1)])], [X, Y], fn=torch.mm)
    c('f64', 'mm', [R([6, 2], dtype='float64', dec=4), R([2, 7], dtype='float64', dec=4)], [X, Y], fn=torch.mm)
    c('basic', 'bmm', [R([2, 3, 5]), R([2, 5, 4])], [X, Y], fn=torch.bmm)
    c('t', 'bmm', [R([2, 5, 3], view=[('transpose', 1, 2)]), R([2, 5, 4])], [X, Y], fn=torch.bmm)
    c('basic', 'mv', [R([3, 5]), R([5])], [X, Y], fn=torch.mv)
    c('t', 'mv', [R([5, 3], view=[('transpose', 0, 1)]), R([5])], [X, Y], fn=torch.mv)
    c('basic', 'dot', [R([7]), R([7])], [X, Y], fn=torch.dot)
    c('strided', 'dot', [R([8], view=[('slice', 0, 0, 8, 2)]), R([4])], [X, Y], fn=torch.dot)
    c('f64', 'dot', [R([5], dtype='float64', dec=4), R([5], dtype='float64', dec=4)], [X, Y], fn=torch.dot)
    c('basic', 'outer', [R([3]), R([4])], [X, Y], fn=torch.outer)
    c('int64', 'outer', [RI([3], -5, 5), RI([2], -5, 5)], [X, Y], fn=torch.outer)

    c('default', 'addmm', [R([3, 4]), R([3, 5]), R([5, 4])], [X, Y, Z], fn=torch.addmm)
    c('beta-alpha', 'addmm', [R([3, 4]), R([3, 5]), R([5, 4])], [X, Y, Z, {'beta': 0.5, 'alpha': 2}],
      fn=lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2))
    c('bcast-bias', 'addmm', [R([4]), R([3, 5]), R([5, 4])], [X, Y, Z, {'beta': -1, 'alpha': 0.25}],
      fn=lambda i, a, b: torch.addmm(i, a, b, beta=-1, alpha=0.25))
    c('beta0', 'addmm', [R([1, 4]), R([3, 5]), R([5, 4])], [X, Y, Z, {'beta': 0}],
      fn=lambda i, a, b: torch.addmm(i, a, b, beta=0))

    c('bias', 'linear', [R([3, 5]), R([4, 5]), R([4])], [X, Y, Z], fn=F.linear)
    c('no-bias', 'linear', [R([3, 5]), R([4, 5])], [X, Y], fn=F.linear)
    c('3d', 'linear', [R([2, 3, 5]), R([4, 5]), R([4])], [X, Y, Z], fn=F.linear)
    c('1d', 'linear', [R([5]), R([4, 5]), R([4])], [X, Y, Z], fn=F.linear)
    c('f64', 'linear', [R([3, 5], dtype='float64', dec=4), R([2, 5], dtype='float64', dec=4), R([2], dtype='float64')], [X, Y, Z], fn=F.linear)
    return f
