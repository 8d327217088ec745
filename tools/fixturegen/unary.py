"""Unary elementwise ops and activations: random inputs in each op's domain (float32 and float64, with
gradients), a special-value sweep (NaN, +-Inf, -0, denormals, huge and tiny magnitudes; forward only),
a non-contiguous input, and integer/bool inputs where PyTorch accepts them (kept dtype or promoted to
float32)."""
import torch
import torch.nn.functional as F

from .common import Family, R, RI, RB, V, X, SPECIAL32, SPECIAL64, NAN, INF, snake

NAME = 'unary'

# name: (lo, hi, torch fn or None (= torch.<snake name>), integer inputs: None / 'int' (try int64 and int32))
OPS = {
    'neg': (-3, 3, None, 'int'), 'abs': (-3, 3, None, 'int'), 'sign': (-3, 3, None, 'int'),
    'exp': (-3, 3, None, 'int'), 'log': (0.05, 5, None, 'int'), 'log1p': (-0.9, 5, None, 'int'),
    'expm1': (-3, 3, None, None), 'sqrt': (0.01, 5, None, 'int'), 'rsqrt': (0.05, 5, None, None),
    'sin': (-4, 4, None, 'int'), 'cos': (-4, 4, None, None), 'tan': (-1.4, 1.4, None, None),
    'tanh': (-3, 3, None, 'int'), 'sigmoid': (-6, 6, None, 'int'), 'relu': (-3, 3, None, 'int'),
    'silu': (-5, 5, F.silu, None), 'mish': (-5, 5, F.mish, None), 'relu6': (-3, 8, F.relu6, None),
    'floor': (-3, 3, None, 'int'), 'ceil': (-3, 3, None, 'int'), 'round': (-3, 3, None, 'int'),
    'trunc': (-3, 3, None, 'int'), 'frac': (-3, 3, None, None), 'reciprocal': (0.2, 3, None, 'int'),
    'square': (-3, 3, None, 'int'), 'erf': (-2.5, 2.5, None, 'int'), 'log2': (0.05, 5, None, None),
    'log10': (0.05, 5, None, None), 'exp2': (-3, 3, None, 'int'), 'asin': (-0.95, 0.95, None, None),
    'acos': (-0.95, 0.95, None, None), 'atan': (-4, 4, None, None), 'sinh': (-3, 3, None, None),
    'cosh': (-3, 3, None, None), 'asinh': (-4, 4, None, None), 'acosh': (1.05, 5, None, None),
    'atanh': (-0.95, 0.95, None, None),
}

# Ops with parameters: (case name, op, neurona args after x, torch fn, lo, hi)
PARAM = [
    ('default', 'leakyRelu', [], lambda x: F.leaky_relu(x), -3, 3),
    ('slope0.2', 'leakyRelu', [0.2], lambda x: F.leaky_relu(x, 0.2), -3, 3),
    ('default', 'elu', [], lambda x: F.elu(x), -3, 3),
    ('alpha0.5', 'elu', [0.5], lambda x: F.elu(x, 0.5), -3, 3),
    ('exact', 'gelu', [], lambda x: F.gelu(x), -4, 4),
    ('tanh', 'gelu', [{'approximate': 'tanh'}], lambda x: F.gelu(x, approximate='tanh'), -4, 4),
    ('default', 'softplus', [], lambda x: F.softplus(x), -4, 4),
    ('beta2-thr5', 'softplus', [{'beta': 2, 'threshold': 5}], lambda x: F.softplus(x, 2, 5), -4, 4),
    ('beta0.5', 'softplus', [{'beta': 0.5}], lambda x: F.softplus(x, 0.5), -4, 4),
    ('default', 'hardtanh', [], lambda x: F.hardtanh(x), -2, 2),
    ('range', 'hardtanh', [-0.5, 0.75], lambda x: F.hardtanh(x, -0.5, 0.75), -2, 2),
    ('both', 'clamp', [-0.5, 0.5], lambda x: torch.clamp(x, -0.5, 0.5), -2, 2),
    ('min', 'clamp', [0.25], lambda x: torch.clamp(x, min=0.25), -2, 2),
    ('max', 'clamp', [None, 0.25], lambda x: torch.clamp(x, max=0.25), -2, 2),
    ('step', 'step', [], lambda x: torch.heaviside(x, torch.zeros((), dtype=x.dtype)), -2, 2),
]

PREDICATES = ['isnan', 'isinf', 'isfinite', 'signbit', 'logicalNot']

# Special inputs left out per op, where PyTorch's result is an artifact of its vectorised math library
# rather than the function's value: Sleef's log1pf returns inf above ~1e38 (log1p(3.4e38) = 88.7).
SPECIAL_SKIP = {'log1p': [3.4e38]}


def build():
    f = Family(NAME)
    c = f.case

    def std_cases(name, op, args, fn, lo, hi, ints):
        grad = op != 'step'
        c(f'{name}f32' if name else 'f32', op, [R([3, 4], lo, hi)], [X] + args, fn=fn, grad=grad)
        c(f'{name}f64' if name else 'f64', op, [R([6], lo, hi, dtype='float64', dec=3)], [X] + args, fn=fn, grad=grad)
        c(f'{name}noncontig' if name else 'noncontig', op, [R([4, 3], lo, hi, view=[('transpose', 0, 1)])],
          [X] + args, fn=fn, grad=grad)
        sp32 = [v for v in SPECIAL32 if v not in SPECIAL_SKIP.get(op, [])]
        c(f'{name}special' if name else 'special', op, [V(sp32)], [X] + args, fn=fn, grad=False)
        c(f'{name}special-f64' if name else 'special-f64', op, [V(SPECIAL64, 'float64')], [X] + args, fn=fn, grad=False)
        if ints:
            ilo, ihi = int(max(lo, -5)), int(min(hi, 6)) + 1
            if ihi - ilo < 2:
                ilo, ihi = 1, 4
            c(f'{name}int64' if name else 'int64', op, [RI([6], ilo, ihi)], [X] + args, fn=fn, optional=True)
            c(f'{name}int32' if name else 'int32', op, [RI([6], ilo, ihi, dtype='int32')], [X] + args, fn=fn, optional=True)

    for op, (lo, hi, fn, ints) in OPS.items():
        tfn = fn or getattr(torch, snake(op))
        std_cases('', op, [], tfn, lo, hi, ints)
    for name, op, args, fn, lo, hi in PARAM:
        std_cases(name + '-', op, args, fn, lo, hi, op in ('clamp', 'step'))

    # rounding: half to even, and values just off the halves
    halves = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999997, -0.49999997, 1e7 + 1, 8388609.0, -4.5, 1e30]
    for op in ('round', 'floor', 'ceil', 'trunc', 'frac'):
        c('halves', op, [V(halves)], [X], grad=False)
        c('halves-f64', op, [V(halves + [4503599627370497.0, 0.49999999999999994], 'float64')], [X], grad=False)

    # ties at the kinks of piecewise activations (gradient conventions at 0 and at the clamp bounds)
    kinks = [-1.0, -0.5, 0.0, 0.5, 1.0, 6.0, 0.25, -2.0]
    c('kinks', 'relu', [V(kinks, 'float64')], [X])
    c('kinks', 'abs', [V(kinks, 'float64')], [X])
    c('kinks', 'hardtanh', [V(kinks, 'float64')], [X, -0.5, 0.5], fn=lambda x: F.hardtanh(x, -0.5, 0.5))
    c('kinks', 'clamp', [V(kinks, 'float64')], [X, -0.5, 0.5], fn=lambda x: torch.clamp(x, -0.5, 0.5))
    c('kinks', 'relu6', [V(kinks, 'float64')], [X], fn=F.relu6)
    c('kinks', 'leakyRelu', [V(kinks, 'float64')], [X, 0.1], fn=lambda x: F.leaky_relu(x, 0.1))

    # clamp on integers and with a min above the max (PyTorch: everything becomes max)
    c('int-both', 'clamp', [RI([8], -9, 9)], [X, -3, 4], fn=lambda x: torch.clamp(x, -3, 4))
    c('min-gt-max', 'clamp', [R([5], -2, 2)], [X, 1, -1], fn=lambda x: torch.clamp(x, 1, -1), grad=False)
    c('int-float-bounds', 'clamp', [RI([6], -5, 5)], [X, -2.5, 2.5], fn=lambda x: torch.clamp(x, -2.5, 2.5), optional=True)

    # predicates: specials, ints, bool
    for op in PREDICATES:
        tfn = getattr(torch, snake(op))
        c('special', op, [V(SPECIAL32)], [X], fn=tfn)
        c('special-f64', op, [V(SPECIAL64, 'float64')], [X], fn=tfn)
        c('int64', op, [RI([6], -3, 3)], [X], fn=tfn)
        c('int32', op, [RI([6], -3, 3, dtype='int32')], [X], fn=tfn)
        c('uint8', op, [RI([4], 0, 3, dtype='uint8')], [X], fn=tfn, optional=True)
        c('bool', op, [RB([5])], [X], fn=tfn, optional=True)
        c('noncontig', op, [V([NAN, 0.0, -1.0, INF, -0.0, 2.0], shape=[2, 3], view=[('transpose', 0, 1)])], [X], fn=tfn)

    # integer-preserving ops on bool/uint8
    c('uint8', 'neg', [RI([4], 0, 200, dtype='uint8')], [X], optional=True)
    c('uint8', 'abs', [RI([4], 0, 200, dtype='uint8')], [X], optional=True)
    c('bool', 'exp', [RB([4])], [X], optional=True)
    c('uint8', 'sqrt', [RI([4], 0, 200, dtype='uint8')], [X], optional=True)
    return f
