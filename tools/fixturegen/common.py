"""Shared machinery of the PyTorch fixture generator: deterministic inputs, the JSON value encoding,
and `Family.case()`, which runs one op in PyTorch (forward, and the gradient of sum(out * w) w.r.t.
every float input) and records inputs, neurona-style call arguments, outputs, w and gradients.

Encoding (read by test/fixtures.test.ts):
  tensor  {"dtype", "shape", "data": flat row-major list, "view"?: [[op, ...args], ...], "grad"?: 1}
          float data: numbers, or "nan" / "inf" / "-inf" / "-0"; float32 values are written with the
          shortest decimal that rounds back to the same float32; int64 outside +-2^53 as a string;
          bool as 0/1. "view" ops (transpose/permute/slice/expand) are applied in order to the base
          tensor before the op, to make non-contiguous inputs; gradients are w.r.t. the base.
  args    the neurona call: {"t": i} is input i (after its view), {"ts": [i, null, ...]} a list of
          inputs, {"num": "inf"} a non-JSON number; everything else is literal (options objects too).
  out     a tensor, a list of tensors, or {"values", "indices"}.
  w       one tensor (or null for non-float outputs) per output, in order (values before indices).
  grads   one tensor (or null) per input: d sum(out * w) / d input.
"""
import math
import zlib

import numpy as np
import torch

DT = {torch.float32: 'float32', torch.float64: 'float64', torch.int32: 'int32', torch.int64: 'int64',
      torch.uint8: 'uint8', torch.bool: 'bool'}
TD = {v: k for k, v in DT.items()}

NAN, INF = float('nan'), float('inf')
# Special float values used by the "special" cases of elementwise ops.
SPECIAL32 = [NAN, INF, -INF, -0.0, 0.0, 1e-40, -1e-40, 1e-30, -1e-30, 1e-7, 0.5, -0.5, 1.0, -1.0,
             2.5, -2.5, 30.0, -30.0, 100.0, -100.0, 1e30, -1e30, 3.4e38, -3.4e38]
SPECIAL64 = [NAN, INF, -INF, -0.0, 0.0, 1e-310, -1e-310, 1e-200, 1e-7, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5,
             30.0, -30.0, 710.0, -745.0, 1e200, -1e200, 1.7e308, -1.7e308]


# ---- inputs --------------------------------------------------------------------------------------

class In:
    """One tensor input: make(generator) -> base tensor, optional view ops, grad (None = auto)."""
    def __init__(self, make, view=(), grad=None):
        self.make, self.view, self.grad = make, list(view), grad


def _round(t, dec):
    if dec is None:
        return t
    s = 10.0 ** dec
    return torch.round(t * s) / s


def R(shape, lo=-1.0, hi=1.0, dtype='float32', dec=2, nonzero=None, **kw):
    """Uniform random values in [lo, hi), rounded to `dec` decimals (short JSON, exactly fed to JS).
    nonzero=m keeps |x| >= m (for divisors and the like)."""
    def make(g):
        t = torch.rand(tuple(shape), generator=g, dtype=torch.float64) * (hi - lo) + lo
        if nonzero is not None:
            t = torch.where(t.abs() < nonzero, torch.where(t < 0, t - nonzero, t + nonzero), t)
        return _round(t, dec).to(TD[dtype])
    return In(make, **kw)


def RI(shape, lo, hi, dtype='int64', **kw):
    """Uniform random integers in [lo, hi)."""
    return In(lambda g: torch.randint(lo, hi, tuple(shape), generator=g, dtype=torch.int64).to(TD[dtype]), **kw)


def RB(shape, p=0.5, **kw):
    """Random booleans, True with probability p."""
    return In(lambda g: torch.rand(tuple(shape), generator=g) < p, **kw)


def RP(shape, dim, n=None, **kw):
    """Random int64 index tensor whose slices along `dim` are distinct values in [0, n)
    (a permutation prefix): scatter targets without duplicates."""
    def make(g):
        shp = list(shape)
        size = n if n is not None else shp[dim]
        moved = shp[:dim] + shp[dim + 1:] + [shp[dim]]
        rows = int(np.prod(moved[:-1])) if len(moved) > 1 else 1
        out = torch.stack([torch.randperm(size, generator=g)[:shp[dim]] for _ in range(rows)])
        return out.reshape(moved).movedim(-1, dim).contiguous()
    return In(make, **kw)


def V(values, dtype=None, shape=None, **kw):
    """Literal values (nested list or flat list + shape); dtype defaults to bool for booleans, else float32."""
    def make(_g):
        t = torch.tensor(values)
        t = t.to(TD[dtype] if dtype else (torch.bool if t.dtype == torch.bool else torch.float32))
        return t.reshape(shape) if shape is not None else t
    return In(make, **kw)


def apply_view(t, v):
    op, a = v[0], v[1:]
    if op == 'transpose':
        return t.transpose(a[0], a[1])
    if op == 'permute':
        return t.permute(*a[0])
    if op == 'slice':
        dim, start, end, step = a
        idx = [slice(None)] * t.dim()
        idx[dim] = slice(start, end, step)
        return t[tuple(idx)]
    if op == 'expand':
        return t.expand(*a[0])
    raise ValueError(f'unknown view op {op}')


# ---- call arguments ------------------------------------------------------------------------------

class T:
    """Marker: input i (after its view) as an argument."""
    def __init__(self, i):
        self.i = i


class TS:
    """Marker: a list of inputs (None entries allowed) as one argument."""
    def __init__(self, *idx):
        self.idx = list(idx)


X, Y, Z, W = T(0), T(1), T(2), T(3)


def snake(name):
    return ''.join('_' + c.lower() if c.isupper() else c for c in name)


def arg_json(a):
    if isinstance(a, T):
        return {'t': a.i}
    if isinstance(a, TS):
        return {'ts': a.idx}
    if isinstance(a, float) and not math.isfinite(a):
        return {'num': 'nan' if math.isnan(a) else ('inf' if a > 0 else '-inf')}
    if isinstance(a, (list, tuple)):
        return [arg_json(x) for x in a]
    if isinstance(a, dict):
        return {k: arg_json(v) for k, v in a.items()}
    return a


def arg_torch(a, ts):
    if isinstance(a, T):
        return ts[a.i]
    if isinstance(a, TS):
        return [None if i is None else ts[i] for i in a.idx]
    if isinstance(a, list):
        return [arg_torch(x, ts) for x in a]
    return a


def default_call(op, args, ts):
    """x.op(*args) in PyTorch: the method's snake_case name, a trailing dict becomes kwargs."""
    pos = [arg_torch(a, ts) for a in args]
    kw = {}
    if pos and isinstance(pos[-1], dict):
        kw = {snake(k): v for k, v in pos.pop().items()}
    return getattr(pos[0], snake(op))(*pos[1:], **kw)


# ---- encoding ------------------------------------------------------------------------------------

def fnum(v, is32):
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    if v == 0:
        return '-0' if math.copysign(1.0, v) < 0 else 0
    if is32:
        v = float(str(np.float32(v)))
    if v.is_integer() and abs(v) < 2 ** 53:
        return int(v)
    return v


def enc(t, view=None, grad=False):
    t = t.detach().contiguous()
    dtype = DT[t.dtype]
    flat = t.reshape(-1).tolist()
    if dtype in ('float32', 'float64'):
        data = [fnum(v, dtype == 'float32') for v in flat]
    elif dtype == 'bool':
        data = [1 if v else 0 for v in flat]
    else:
        data = [v if abs(v) <= 2 ** 53 else str(v) for v in flat]
    d = {'dtype': dtype, 'shape': list(t.shape), 'data': data}
    if view:
        d['view'] = [list(v) for v in view]
    if grad:
        d['grad'] = 1
    return d


def flat_outputs(out):
    """(encoded structure, list of output tensors in order)."""
    if isinstance(out, torch.Tensor):
        return enc(out), [out]
    if hasattr(out, 'values') and hasattr(out, 'indices'):
        return {'values': enc(out.values), 'indices': enc(out.indices)}, [out.values, out.indices]
    if isinstance(out, (list, tuple)):
        return [enc(o) for o in out], list(out)
    raise TypeError(f'unsupported output {type(out)}')


# ---- cases ---------------------------------------------------------------------------------------

class Family:
    """Collects the cases of one fixture file."""
    def __init__(self, name):
        self.name, self.cases, self.names, self.no_grad, self.skipped = name, [], set(), [], []

    def case(self, name, op, inputs=(), args=(), fn=None, grad=True, optional=False):
        """optional=True: skip the case (and note it) where PyTorch itself rejects the call."""
        if not optional:
            return self._case(name, op, inputs, args, fn, grad)
        try:
            return self._case(name, op, inputs, args, fn, grad)
        except (RuntimeError, TypeError, NotImplementedError) as e:
            self.names.discard(f'{op}/{name}')
            self.skipped.append(f'{op}/{name}: {str(e).splitlines()[0]}')
            return None

    def _case(self, name, op, inputs, args, fn, grad):
        """Records op `op` called as neurona would with `args`. fn(*viewed_inputs) computes the PyTorch
        result (default: the method snake(op) with the same arguments). grad: record gradients of
        sum(out * w) for float inputs (dropped, and noted, where PyTorch has no derivative)."""
        full = f'{op}/{name}'
        if full in self.names:
            raise ValueError(f'duplicate case {full}')
        self.names.add(full)
        g = torch.Generator().manual_seed(zlib.crc32(f'{self.name}/{full}'.encode()))
        bases = [inp.make(g) for inp in inputs]
        leaves, viewed = [], []
        for b, inp in zip(bases, inputs):
            want = grad and b.is_floating_point() and inp.grad is not False
            leaf = b.clone().requires_grad_(want)
            t = leaf
            for v in inp.view:
                t = apply_view(t, v)
            leaves.append(leaf)
            viewed.append(t)
        out = fn(*viewed) if fn is not None else default_call(op, list(args), viewed)
        enc_out, outs = flat_outputs(out)
        c = {'name': full, 'op': op,
             'inputs': [enc(b, inp.view, l.requires_grad) for b, inp, l in zip(bases, inputs, leaves)],
             'args': arg_json(list(args)), 'out': enc_out}
        if any(l.requires_grad for l in leaves) and any(o.requires_grad for o in outs):
            ws = [_round(torch.rand(o.shape, generator=g, dtype=torch.float64) * 2 - 1, 2).to(o.dtype)
                  if o.is_floating_point() else None for o in outs]
            try:
                loss = sum((o * w).sum() for o, w in zip(outs, ws) if w is not None and o.requires_grad)
                loss.backward()
                c['w'] = [None if w is None else enc(w) for w in ws]
                c['grads'] = [None if not l.requires_grad else
                              enc(l.grad if l.grad is not None else torch.zeros_like(l)) for l in leaves]
            except RuntimeError as e:
                self.no_grad.append(f'{full}: {str(e).splitlines()[0]}')
                for inp in c['inputs']:
                    inp.pop('grad', None)
        self.cases.append(c)
        return c
