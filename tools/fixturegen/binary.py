"""Binary elementwise ops: add/sub (alpha), mul, div (true, 'trunc', 'floor'), pow (tensor and scalar
exponent, scalar base), maximum, minimum, fmod, remainder, floorDivide, atan2, comparisons, logical
ops, heaviside, where. Broadcasting, non-contiguous operands, special-value grids, integer/bool
dtypes, float64 and dtype promotion (result dtype = torch.result_type)."""
import torch

from .common import Family, R, RI, RB, V, X, Y, Z, NAN, INF, snake

NAME = 'binary'

# Small special-value set; grids pair every value with every other (10 x 10 outputs).
SP = [NAN, INF, -INF, -0.0, 0.0, 1e-30, 1.0, -1.0, 2.5, 1e30]


def grid(dtype='float32'):
    return [V(SP, dtype, shape=[len(SP), 1]), V(SP, dtype, shape=[1, len(SP)])]


def arith(c, op, fn=None, lo=-2.0, hi=2.0, nonzero=None, ints=True, special=True, grad=True):
    """The standard case set of an arithmetic op."""
    ry = lambda shape, **kw: R(shape, lo, hi, nonzero=nonzero, **kw)
    call = fn or (lambda x, y: getattr(x, snake(op))(y))
    c('same', op, [R([3, 4], lo, hi), ry([3, 4])], [X, Y], fn=call, grad=grad)
    c('bcast', op, [R([3, 1], lo, hi), ry([4])], [X, Y], fn=call, grad=grad)
    c('bcast-3d', op, [R([2, 1, 3], lo, hi), ry([4, 1])], [X, Y], fn=call, grad=grad)
    c('f64', op, [R([5], lo, hi, dtype='float64'), ry([5], dtype='float64')], [X, Y], fn=call, grad=grad)
    c('noncontig', op, [R([4, 3], lo, hi, view=[('transpose', 0, 1)]), ry([3, 1], view=[('expand', [3, 4])])],
      [X, Y], fn=call, grad=grad)
    c('0d-rhs', op, [R([3], lo, hi), ry([])], [X, Y], fn=call, grad=grad)
    if ints:
        c('int64', op, [RI([3, 4], -9, 10), RI([3, 4], 1, 5) if nonzero else RI([3, 4], -9, 10)], [X, Y], fn=call)
        c('int32-neg', op, [RI([6], -9, 10, dtype='int32'), RI([6], -5, -1, dtype='int32')], [X, Y], fn=call)
    if special:
        c('special', op, grid(), [X, Y], fn=call, grad=False)
        c('special-f64', op, grid('float64'), [X, Y], fn=call, grad=False)


def build():
    f = Family(NAME)
    c = f.case

    # ---- add / sub / mul ----
    for op in ('add', 'sub', 'mul'):
        arith(c, op)
        c('scalar', op, [R([3, 4])], [X, 2.5])
        c('scalar-int', op, [R([3])], [X, 3])
        c('int-scalar', op, [RI([4], -9, 9)], [X, 3])
    c('alpha', 'add', [R([3, 4]), R([4])], [X, Y, {'alpha': 2}])
    c('alpha-frac', 'add', [R([3]), R([3])], [X, Y, {'alpha': -0.5}])
    c('alpha-int', 'add', [RI([4], -9, 9), RI([4], -9, 9)], [X, Y, {'alpha': 3}])
    c('alpha', 'sub', [R([2, 3]), R([2, 1])], [X, Y, {'alpha': 1.5}])
    c('scalar-alpha', 'add', [R([3])], [X, 2.5, {'alpha': 2}])

    # dtype promotion (result dtype = torch.result_type)
    for name, ins, args in [
        ('int64+f32', [RI([3], -9, 9), R([3])], [X, Y]),
        ('f32+int32', [R([3]), RI([3], -9, 9, dtype='int32')], [X, Y]),
        ('int32+int64', [RI([3], -9, 9, dtype='int32'), RI([3], -9, 9)], [X, Y]),
        ('uint8+int64', [RI([3], 0, 200, dtype='uint8'), RI([3], -9, 9)], [X, Y]),
        ('uint8+int32', [RI([3], 0, 200, dtype='uint8'), RI([3], 0, 9, dtype='int32')], [X, Y]),
        ('int64+float-scalar', [RI([3], -9, 9)], [X, 2.5]),
        ('int32+int-scalar', [RI([3], -9, 9, dtype='int32')], [X, 3]),
        ('uint8+int-scalar', [RI([3], 0, 200, dtype='uint8')], [X, 5]),
        ('bool+int64', [RB([4]), RI([4], -9, 9)], [X, Y]),
        ('bool+bool', [RB([4]), RB([4])], [X, Y]),
        ('bool+float-scalar', [RB([4])], [X, 0.5]),
        ('bool+int-scalar', [RB([4])], [X, 2]),
        ('bool+f32', [RB([4]), R([4])], [X, Y]),
        ('f32+f64', [R([3]), R([3], dtype='float64')], [X, Y]),
        ('f64-0d+f32', [R([3]), R([], dtype='float64')], [X, Y]),
        ('int64-0d+int32', [RI([3], -9, 9, dtype='int32'), RI([], -9, 9)], [X, Y]),
        ('f32-0d+int64', [RI([3], -9, 9), R([])], [X, Y]),
        ('f64-0d+int32', [RI([3], -9, 9, dtype='int32'), R([], dtype='float64')], [X, Y]),
        ('0d+0d', [R([]), R([], dtype='float64')], [X, Y]),
        ('f64+float-scalar', [R([3], dtype='float64')], [X, 0.1]),
    ]:
        c(name, 'add', ins, args)
    c('bool*bool', 'mul', [RB([4]), RB([4])], [X, Y])
    c('int32*float-scalar', 'mul', [RI([4], -9, 9, dtype='int32')], [X, -1.5])
    c('int64-uint8', 'sub', [RI([3], -9, 9), RI([3], 0, 200, dtype='uint8')], [X, Y])

    # ---- div ----
    arith(c, 'div', nonzero=0.25, ints=False)
    c('scalar', 'div', [R([3, 4])], [X, -2.5])
    c('int-true', 'div', [RI([6], -9, 10), RI([6], 1, 4)], [X, Y])
    c('int-by-zero', 'div', [V([1, -1, 0, 5], 'int64'), V([0, 0, 0, 2], 'int64')], [X, Y])
    c('int-scalar', 'div', [RI([5], -9, 9)], [X, 2])
    for mode in ('trunc', 'floor'):
        fn = lambda x, y, m=mode: torch.div(x, y, rounding_mode=m)
        c(f'{mode}-f32', 'div', [R([3, 4], -5, 5), R([3, 4], -2, 2, nonzero=0.25)], [X, Y, {'roundingMode': mode}], fn=fn, grad=False)
        c(f'{mode}-f64', 'div', [R([5], -5, 5, dtype='float64'), R([5], -2, 2, dtype='float64', nonzero=0.25)],
          [X, Y, {'roundingMode': mode}], fn=fn, grad=False)
        c(f'{mode}-int64', 'div', [RI([8], -20, 20), V([3, -3, 7, -7, 2, -2, 5, -5], 'int64')], [X, Y, {'roundingMode': mode}], fn=fn)
        c(f'{mode}-int32', 'div', [RI([6], -20, 20, dtype='int32'), RI([6], 1, 6, dtype='int32')], [X, Y, {'roundingMode': mode}], fn=fn)
        c(f'{mode}-scalar', 'div', [R([5], -5, 5)], [X, -1.5, {'roundingMode': mode}], fn=lambda x, m=mode: torch.div(x, -1.5, rounding_mode=m), grad=False)
        c(f'{mode}-int-scalar', 'div', [RI([6], -20, 20)], [X, 3, {'roundingMode': mode}], fn=lambda x, m=mode: torch.div(x, 3, rounding_mode=m))
        c(f'{mode}-special', 'div', grid(), [X, Y, {'roundingMode': mode}], fn=fn, grad=False)
        c(f'{mode}-bcast', 'div', [R([3, 1], -5, 5), R([4], -2, 2, nonzero=0.25)], [X, Y, {'roundingMode': mode}], fn=fn, grad=False)

    # ---- pow ----
    c('tensor', 'pow', [R([3, 4], 0.1, 2), R([3, 4], -2, 2)], [X, Y])
    c('bcast', 'pow', [R([3, 1], 0.1, 2), R([4], -2, 2)], [X, Y])
    c('f64', 'pow', [R([5], 0.1, 2, dtype='float64'), R([5], -2, 2, dtype='float64')], [X, Y])
    c('noncontig', 'pow', [R([4, 3], 0.1, 2, view=[('transpose', 0, 1)]), R([3, 4], -2, 2)], [X, Y])
    for e in (2, 3, 0, -1, 0.5, -1.5, 1):
        c(f'scalar-{e}', 'pow', [R([3, 4], 0.1, 2)], [X, e])
    c('neg-base-int-exp', 'pow', [R([6], -2, 2), V([2.0, 3.0, -1.0, 0.0, 4.0, -2.0])], [X, Y])
    c('neg-base-scalar3', 'pow', [R([6], -2, 2)], [X, 3])
    c('neg-base-frac', 'pow', [V([-2.0, -0.5, 2.0, 0.0])], [X, 0.5], grad=False)
    c('int64-scalar', 'pow', [RI([6], -4, 5)], [X, 3])
    c('int64-tensor', 'pow', [RI([6], -4, 5), RI([6], 0, 4)], [X, Y])
    c('int32-scalar0', 'pow', [RI([4], -4, 5, dtype='int32')], [X, 0])
    c('int-float-scalar', 'pow', [RI([5], 0, 9)], [X, 0.5])
    c('int-f32', 'pow', [RI([4], 1, 5), R([4], -1, 2)], [X, Y])
    c('special', 'pow', grid(), [X, Y], grad=False)
    c('special-f64', 'pow', grid('float64'), [X, Y], grad=False)
    c('scalar-base', 'pow', [R([5], -2, 2)], [2, X], fn=lambda x: torch.pow(2, x))
    c('scalar-base-frac', 'pow', [R([5], -2, 2)], [0.5, X], fn=lambda x: torch.pow(0.5, x))
    c('scalar-base-int', 'pow', [RI([5], 0, 6)], [3, X], fn=lambda x: torch.pow(3, x))

    # ---- maximum / minimum ----
    for op in ('maximum', 'minimum'):
        arith(c, op)
        c('ties', op, [V([1.0, 2.0, -3.0, 0.5]), V([1.0, -2.0, -3.0, 0.5])], [X, Y])
        c('bool', op, [RB([5]), RB([5])], [X, Y])
        c('int-f32', op, [RI([4], -3, 3), R([4], -3, 3)], [X, Y])

    # ---- fmod / remainder / floorDivide ----
    for op in ('fmod', 'remainder'):
        arith(c, op, lo=-5, hi=5, nonzero=0.3)
        c('scalar', op, [R([3, 4], -5, 5)], [X, 1.5])
        c('neg-scalar', op, [R([3, 4], -5, 5)], [X, -1.5])
        c('int-scalar', op, [RI([8], -20, 20)], [X, 3])
        c('int-neg-scalar', op, [RI([8], -20, 20)], [X, -3])
        c('int-signs', op, [V([7, -7, 7, -7, 6, -6], 'int64'), V([3, 3, -3, -3, 3, -3], 'int64')], [X, Y])
    arith(c, 'floorDivide', lo=-5, hi=5, nonzero=0.3, grad=False)
    c('scalar', 'floorDivide', [R([5], -5, 5)], [X, 1.5], grad=False)
    c('int-scalar', 'floorDivide', [RI([8], -20, 20)], [X, -3])
    c('int-signs', 'floorDivide', [V([7, -7, 7, -7, 6, -6], 'int64'), V([3, 3, -3, -3, 3, -3], 'int64')], [X, Y])

    # ---- atan2 ----
    arith(c, 'atan2', ints=False)
    c('int', 'atan2', [RI([5], -3, 4), RI([5], -3, 4)], [X, Y])

    # ---- comparisons ----
    for op in ('eq', 'ne', 'lt', 'le', 'gt', 'ge'):
        c('same', op, [R([3, 4], -1, 1, dec=1), R([3, 4], -1, 1, dec=1)], [X, Y])
        c('bcast', op, [R([3, 1], -1, 1, dec=1), R([4], -1, 1, dec=1)], [X, Y])
        c('scalar', op, [R([6], -1, 1, dec=1)], [X, 0.2])
        c('int-float-scalar', op, [RI([6], 0, 5)], [X, 2.5])
        c('int-int-scalar', op, [RI([6], 0, 5)], [X, 2])
        c('int-f32', op, [RI([6], 0, 3), R([6], 0, 3, dec=0)], [X, Y])
        c('int32-int64', op, [RI([6], 0, 3, dtype='int32'), RI([6], 0, 3)], [X, Y])
        c('bool', op, [RB([5]), RB([5])], [X, Y])
        c('special', op, grid(), [X, Y])
        c('f64', op, [R([5], -1, 1, dec=1, dtype='float64'), R([5], -1, 1, dec=1, dtype='float64')], [X, Y])
        c('noncontig', op, [R([4, 3], -1, 1, dec=1, view=[('transpose', 0, 1)]), R([3, 4], -1, 1, dec=1)], [X, Y])

    # ---- logical ----
    for op in ('logicalAnd', 'logicalOr', 'logicalXor'):
        c('f32', op, [V([0.0, 1.5, -0.0, NAN, 0.0, -2.0]), V([0.0, 0.0, 3.0, 0.0, NAN, -1.0])], [X, Y])
        c('int', op, [RI([3, 4], -1, 2), RI([4], 0, 2)], [X, Y])
        c('bool', op, [RB([5]), RB([5])], [X, Y])
        c('int-bool', op, [RI([5], 0, 3), RB([5])], [X, Y])
        # PyTorch takes no scalar here: compared with the 0-dim tensor equivalent
        tf = getattr(torch, snake(op))
        c('scalar', op, [RI([5], 0, 2)], [X, 1], fn=lambda x, tf=tf: tf(x, torch.tensor(1)))
        c('scalar0', op, [R([5], -1, 1, dec=0)], [X, 0], fn=lambda x, tf=tf: tf(x, torch.tensor(0)))

    # ---- heaviside (no derivative in PyTorch) ----
    c('f32', 'heaviside', [V([-1.5, 0.0, -0.0, 2.0, NAN, INF, -INF]), V([0.5])], [X, Y], grad=False)
    c('bcast', 'heaviside', [R([3, 1], -1, 1, dec=0), R([4])], [X, Y], grad=False)
    c('f64', 'heaviside', [R([6], -1, 1, dec=0, dtype='float64'), R([6], dtype='float64')], [X, Y], grad=False)
    c('int64', 'heaviside', [RI([6], -2, 3), RI([6], 5, 9)], [X, Y])

    # ---- where ----
    w = lambda cnd, x, y: torch.where(cnd, x, y)
    c('same', 'where', [RB([3, 4]), R([3, 4]), R([3, 4])], [X, Y, Z], fn=w)
    c('bcast', 'where', [RB([3, 1]), R([4]), R([3, 4])], [X, Y, Z], fn=w)
    c('scalar-y', 'where', [RB([3, 4]), R([3, 4])], [X, Y, 0.5], fn=lambda cnd, x: torch.where(cnd, x, 0.5))
    c('scalar-x', 'where', [RB([4]), R([4])], [X, -1.5, Y], fn=lambda cnd, y: torch.where(cnd, -1.5, y))
    c('int64', 'where', [RB([5]), RI([5], -9, 9), RI([5], -9, 9)], [X, Y, Z], fn=w)
    c('int-f32', 'where', [RB([5]), RI([5], -9, 9), R([5])], [X, Y, Z], fn=w)
    c('int-float-scalar', 'where', [RB([5]), RI([5], -9, 9)], [X, Y, 2.5], fn=lambda cnd, x: torch.where(cnd, x, 2.5))
    c('f64-f32', 'where', [RB([4]), R([4], dtype='float64'), R([4])], [X, Y, Z], fn=w)
    c('noncontig', 'where', [RB([4, 3], view=[('transpose', 0, 1)]), R([3, 4]), R([4, 3], view=[('transpose', 0, 1)])], [X, Y, Z], fn=w)
    c('nan', 'where', [V([True, False, True]), V([NAN, 1.0, INF]), V([2.0, NAN, 3.0])], [X, Y, Z], fn=w, grad=False)
    return f
