"""Creation ops: tensor() dtype inference, zeros/ones/full, arange (integer and float steps), linspace,
eye. Called as nr.<op>(...args); no tensor inputs."""
import torch

from .common import Family

NAME = 'creation'

F32, F64, I32, I64, B = torch.float32, torch.float64, torch.int32, torch.int64, torch.bool


def build():
    f = Family(NAME)
    c = f.case

    # tensor(): dtype inference like torch.tensor (ints -> int64, any float -> float32, bools -> bool)
    for name, data, opts, fn in [
        ('int-2d', [[1, 2], [3, 4]], None, lambda: torch.tensor([[1, 2], [3, 4]])),
        ('float', [1.5, 2, -3.25], None, lambda: torch.tensor([1.5, 2, -3.25])),
        ('mixed-2d', [[1, 2.5], [3, 4]], None, lambda: torch.tensor([[1, 2.5], [3, 4]])),
        ('bool', [True, False, True], None, lambda: torch.tensor([True, False, True])),
        ('scalar-float', 3.5, None, lambda: torch.tensor(3.5)),
        ('scalar-int', 7, None, lambda: torch.tensor(7)),
        ('scalar-bool', True, None, lambda: torch.tensor(True)),
        ('empty', [], None, lambda: torch.tensor([])),
        ('empty-2d', [[]], None, lambda: torch.tensor([[]])),
        ('3d', [[[1], [2]], [[3], [4]]], None, lambda: torch.tensor([[[1], [2]], [[3], [4]]])),
        ('dtype-float64', [1, 2, 3], {'dtype': 'float64'}, lambda: torch.tensor([1, 2, 3], dtype=F64)),
        ('dtype-int32', [[1, -2], [3, 4]], {'dtype': 'int32'}, lambda: torch.tensor([[1, -2], [3, 4]], dtype=I32)),
        ('float-to-int64', [1.7, -1.7, 2.5], {'dtype': 'int64'}, lambda: torch.tensor([1.7, -1.7, 2.5], dtype=I64)),
        ('int-to-bool', [0, 2, -1], {'dtype': 'bool'}, lambda: torch.tensor([0, 2, -1], dtype=B)),
        ('uint8', [0, 200, 255], {'dtype': 'uint8'}, lambda: torch.tensor([0, 200, 255], dtype=torch.uint8)),
        ('large-int', [2 ** 40, -(2 ** 40) - 1], None, lambda: torch.tensor([2 ** 40, -(2 ** 40) - 1])),
    ]:
        c(name, 'tensor', args=[data] + ([opts] if opts else []), fn=fn)

    # zeros / ones / full
    c('2d', 'zeros', args=[[2, 3]], fn=lambda: torch.zeros(2, 3))
    c('int32', 'zeros', args=[[3], {'dtype': 'int32'}], fn=lambda: torch.zeros(3, dtype=I32))
    c('0d', 'zeros', args=[[]], fn=lambda: torch.zeros(()))
    c('empty', 'zeros', args=[[2, 0]], fn=lambda: torch.zeros(2, 0))
    c('f64', 'ones', args=[[2, 2], {'dtype': 'float64'}], fn=lambda: torch.ones(2, 2, dtype=F64))
    c('int64', 'ones', args=[[4], {'dtype': 'int64'}], fn=lambda: torch.ones(4, dtype=I64))
    c('bool', 'ones', args=[[3], {'dtype': 'bool'}], fn=lambda: torch.ones(3, dtype=B))
    c('int-infers-int64', 'full', args=[[2, 2], 3], fn=lambda: torch.full((2, 2), 3))
    c('float-infers-float32', 'full', args=[[3], 2.5], fn=lambda: torch.full((3,), 2.5))
    c('bool-infers-bool', 'full', args=[[2], True], fn=lambda: torch.full((2,), True))
    c('dtype', 'full', args=[[2, 3], -1.25, {'dtype': 'float64'}], fn=lambda: torch.full((2, 3), -1.25, dtype=F64))
    c('neg-int32', 'full', args=[[3], -7, {'dtype': 'int32'}], fn=lambda: torch.full((3,), -7, dtype=I32))

    # arange: integer args -> int64, a float arg -> float32; float steps accumulate like PyTorch
    for name, a, fn in [
        ('end', [5], lambda: torch.arange(5)),
        ('start-end-step', [2, 10, 3], lambda: torch.arange(2, 10, 3)),
        ('negative-step', [10, 0, -3], lambda: torch.arange(10, 0, -3)),
        ('negative-range', [-5, 3, 2], lambda: torch.arange(-5, 3, 2)),
        ('empty', [3, 3, 1], lambda: torch.arange(3, 3, 1)),
        ('float-step-0.1', [0, 1, 0.1], lambda: torch.arange(0, 1, 0.1)),
        ('float-step-0.3', [-1, 1, 0.3], lambda: torch.arange(-1, 1, 0.3)),
        ('float-start', [0.5, 4, 1], lambda: torch.arange(0.5, 4, 1)),
        ('float-end', [2.5], lambda: torch.arange(2.5)),
        ('float-neg-step', [1, -1, -0.25], lambda: torch.arange(1, -1, -0.25)),
        ('float-step-1.5', [0, 5, 1.5], lambda: torch.arange(0, 5, 1.5)),
        ('f64-step-0.1', [0, 1, 0.1, {'dtype': 'float64'}], lambda: torch.arange(0, 1, 0.1, dtype=F64)),
        ('int-dtype-f32', [0, 6, 2, {'dtype': 'float32'}], lambda: torch.arange(0, 6, 2, dtype=F32)),
        ('int32', [1, 8, 2, {'dtype': 'int32'}], lambda: torch.arange(1, 8, 2, dtype=I32)),
        ('long-float', [0, 10, 0.7], lambda: torch.arange(0, 10, 0.7)),
    ]:
        c(name, 'arange', args=a, fn=fn)

    # linspace
    for name, a, fn in [
        ('0-1-5', [0, 1, 5], lambda: torch.linspace(0, 1, 5)),
        ('neg-7', [-1, 1, 7], lambda: torch.linspace(-1, 1, 7)),
        ('one-step', [3, 10, 1], lambda: torch.linspace(3, 10, 1)),
        ('zero-steps', [2, 3, 0], lambda: torch.linspace(2, 3, 0)),
        ('descending', [5, -5, 6], lambda: torch.linspace(5, -5, 6)),
        ('third', [0, 1, 4], lambda: torch.linspace(0, 1, 4)),
        ('many-f32', [-3.3, 7.1, 17], lambda: torch.linspace(-3.3, 7.1, 17)),
        ('f64', [0, 1, 11, {'dtype': 'float64'}], lambda: torch.linspace(0, 1, 11, dtype=F64)),
        ('int64', [0, 10, 5, {'dtype': 'int64'}], lambda: torch.linspace(0, 10, 5, dtype=I64)),
    ]:
        c(name, 'linspace', args=a, fn=fn)

    # eye(n, m?, opts)
    c('3', 'eye', args=[3], fn=lambda: torch.eye(3))
    c('2x4', 'eye', args=[2, 4], fn=lambda: torch.eye(2, 4))
    c('4x2-f64', 'eye', args=[4, 2, {'dtype': 'float64'}], fn=lambda: torch.eye(4, 2, dtype=F64))
    c('int64', 'eye', args=[3, 3, {'dtype': 'int64'}], fn=lambda: torch.eye(3, dtype=I64))
    c('bool', 'eye', args=[2, 3, {'dtype': 'bool'}], fn=lambda: torch.eye(2, 3, dtype=B))
    c('0', 'eye', args=[0], fn=lambda: torch.eye(0))
    return f
