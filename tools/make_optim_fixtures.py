#!/usr/bin/python3
"""Writes the PyTorch reference trajectories that test/optim.test.ts and test/lr_scheduler.test.ts
compare against: test/fixtures/optim/{optimizers,schedulers,clip}.json.

Run with the system Python that has torch (1.13 here):  /usr/bin/python3 tools/make_optim_fixtures.py
Optimizers: fixed initial params and a fixed gradient sequence (seeded), torch.optim single-tensor
implementations (foreach=False), the params after every step. LAMB has no torch.optim version; its
reference below follows NVIDIA apex FusedLAMB (csrc/multi_tensor_lamb.cu) step by step.
Schedulers: the lr (and momentum/betas for OneCycleLR) of each group after every step.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'optim')
SHAPES = [[3, 4], [5], [2, 1, 3]]
STEPS = 6


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def make_data(seed, dtype, grad_scale=1.0):
    g = torch.Generator().manual_seed(seed)
    params = [torch.randn(s, generator=g, dtype=torch.float64).to(dtype) for s in SHAPES]
    grads = [[(torch.randn(s, generator=g, dtype=torch.float64) * grad_scale).to(dtype) for s in SHAPES] for _ in range(STEPS)]
    return params, grads


def run_torch(cls, kwargs, groups, dtype, seed, grad_scale=1.0):
    params, grads = make_data(seed, dtype, grad_scale)
    ps = [p.clone().requires_grad_(True) for p in params]
    if groups is None:
        opt = cls(ps, **kwargs)
    else:
        opt = cls([dict(params=[ps[i] for i in g['params']], **g['torch']) for g in groups], **kwargs)
    traj = []
    for step in range(STEPS):
        for p, gr in zip(ps, grads[step]):
            p.grad = gr.clone()
        opt.step()
        traj.append([flat(p) for p in ps])
    return params, grads, traj


def lamb_reference(kw, dtype, seed, grad_scale):
    """apex FusedLAMB, one group, MOMENT_MODE_1 (adam_w_mode) or MOMENT_MODE_0, in `dtype`."""
    params, grads = make_data(seed, dtype, grad_scale)
    lr = kw.get('lr', 1e-3)
    b1, b2 = kw.get('betas', (0.9, 0.999))
    eps = kw.get('eps', 1e-6)
    wd = kw.get('weight_decay', 0.01)
    bias_correction = kw.get('bias_correction', True)
    grad_averaging = kw.get('grad_averaging', True)
    adam_w_mode = kw.get('adam_w_mode', True)
    max_grad_norm = kw.get('max_grad_norm', 1.0)
    use_nvlamb = kw.get('use_nvlamb', False)
    ps = [p.clone() for p in params]
    ms = [torch.zeros_like(p) for p in params]
    vs = [torch.zeros_like(p) for p in params]
    traj = []
    for step in range(1, STEPS + 1):
        gs = grads[step - 1]
        gnorm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in gs))
        clip = gnorm / max_grad_norm if gnorm > max_grad_norm else 1.0
        bc1 = 1 - b1 ** step if bias_correction else 1.0
        bc2 = 1 - b2 ** step if bias_correction else 1.0
        b3 = 1 - b1 if grad_averaging else 1.0
        for i, (p, g) in enumerate(zip(ps, gs)):
            pnorm = float(p.double().norm())
            s = g / clip
            if not adam_w_mode:
                s = s + wd * p
            ms[i] = ms[i] * b1 + b3 * s
            vs[i] = vs[i] * b2 + (1 - b2) * s * s
            u = (ms[i] / bc1) / (torch.sqrt(vs[i] / bc2) + eps)
            if adam_w_mode:
                u = u + wd * p
            unorm = float(u.double().norm())
            ratio = lr
            if (use_nvlamb or wd != 0) and pnorm != 0 and unorm != 0:
                ratio = lr * (pnorm / unorm)
            ps[i] = p - ratio * u
        traj.append([flat(p) for p in ps])
    return params, grads, traj


def optimizer_cases():
    T = torch.optim
    f64, f32 = torch.float64, torch.float32
    # (name, js class, js options, torch class, torch kwargs, dtype, groups)
    specs = [
        ('sgd', 'SGD', {'lr': 0.1}, T.SGD, {'lr': 0.1}),
        ('sgd_momentum', 'SGD', {'lr': 0.05, 'momentum': 0.9}, T.SGD, {'lr': 0.05, 'momentum': 0.9}),
        ('sgd_dampening_wd', 'SGD', {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.1, 'weightDecay': 0.01},
         T.SGD, {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.1, 'weight_decay': 0.01}),
        ('sgd_nesterov_wd', 'SGD', {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.05},
         T.SGD, {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.05}),
        ('sgd_maximize', 'SGD', {'lr': 0.05, 'momentum': 0.5, 'maximize': True, 'weightDecay': 0.1},
         T.SGD, {'lr': 0.05, 'momentum': 0.5, 'maximize': True, 'weight_decay': 0.1}),
        ('adam', 'Adam', {'lr': 0.01}, T.Adam, {'lr': 0.01}),
        ('adam_wd_betas', 'Adam', {'lr': 0.02, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1},
         T.Adam, {'lr': 0.02, 'betas': (0.8, 0.99), 'eps': 1e-6, 'weight_decay': 0.1}),
        ('adam_amsgrad', 'Adam', {'lr': 0.01, 'amsgrad': True}, T.Adam, {'lr': 0.01, 'amsgrad': True}),
        ('adam_maximize', 'Adam', {'lr': 0.01, 'maximize': True, 'weightDecay': 0.01},
         T.Adam, {'lr': 0.01, 'maximize': True, 'weight_decay': 0.01}),
        ('adamw', 'AdamW', {'lr': 0.01, 'weightDecay': 0.1}, T.AdamW, {'lr': 0.01, 'weight_decay': 0.1}),
        ('adamw_amsgrad_maximize', 'AdamW', {'lr': 0.01, 'amsgrad': True, 'maximize': True},
         T.AdamW, {'lr': 0.01, 'amsgrad': True, 'maximize': True}),
        ('rmsprop', 'RMSprop', {'lr': 0.01}, T.RMSprop, {'lr': 0.01}),
        ('rmsprop_centered', 'RMSprop', {'lr': 0.01, 'centered': True}, T.RMSprop, {'lr': 0.01, 'centered': True}),
        ('rmsprop_momentum', 'RMSprop', {'lr': 0.01, 'momentum': 0.9, 'alpha': 0.9},
         T.RMSprop, {'lr': 0.01, 'momentum': 0.9, 'alpha': 0.9}),
        ('rmsprop_all', 'RMSprop', {'lr': 0.01, 'momentum': 0.5, 'centered': True, 'weightDecay': 0.1, 'maximize': True},
         T.RMSprop, {'lr': 0.01, 'momentum': 0.5, 'centered': True, 'weight_decay': 0.1, 'maximize': True}),
        ('adagrad', 'Adagrad', {'lr': 0.1}, T.Adagrad, {'lr': 0.1}),
        ('adagrad_decay', 'Adagrad', {'lr': 0.1, 'lrDecay': 0.05, 'weightDecay': 0.1, 'initialAccumulatorValue': 0.1, 'eps': 1e-8},
         T.Adagrad, {'lr': 0.1, 'lr_decay': 0.05, 'weight_decay': 0.1, 'initial_accumulator_value': 0.1, 'eps': 1e-8}),
        ('adagrad_maximize', 'Adagrad', {'lr': 0.1, 'maximize': True}, T.Adagrad, {'lr': 0.1, 'maximize': True}),
    ]
    cases = []
    for k, (name, js, jso, cls, kw) in enumerate(specs):
        for dtype in (f64, f32):
            if dtype is f32 and name not in ('sgd_nesterov_wd', 'adam', 'adamw', 'rmsprop_all', 'adagrad_decay'):
                continue
            kw2 = dict(kw, foreach=False)
            params, grads, traj = run_torch(cls, kw2, None, dtype, 100 + k)
            cases.append(dict(name=f'{name}_{str(dtype)[6:]}', optimizer=js, options=jso, dtype=str(dtype)[6:],
                              shapes=SHAPES, params=[flat(p) for p in params],
                              grads=[[flat(g) for g in step] for step in grads], expected=traj))
    # Parameter groups with different hyperparameters.
    groups = [dict(params=[0, 2], js={'lr': 0.2, 'momentum': 0.5}, torch={'lr': 0.2, 'momentum': 0.5}),
              dict(params=[1], js={'lr': 0.01}, torch={'lr': 0.01})]
    params, grads, traj = run_torch(T.SGD, {'lr': 0.05, 'momentum': 0.9, 'foreach': False}, groups, f64, 7)
    cases.append(dict(name='sgd_groups_float64', optimizer='SGD', options={'lr': 0.05, 'momentum': 0.9}, dtype='float64',
                      groups=[dict(params=g['params'], options=g['js']) for g in groups],
                      shapes=SHAPES, params=[flat(p) for p in params], grads=[[flat(g) for g in s] for s in grads], expected=traj))
    groups = [dict(params=[0], js={'lr': 0.05, 'weightDecay': 0.2}, torch={'lr': 0.05, 'weight_decay': 0.2}),
              dict(params=[1, 2], js={'betas': [0.5, 0.9]}, torch={'betas': (0.5, 0.9)})]
    params, grads, traj = run_torch(T.AdamW, {'lr': 0.01, 'foreach': False}, groups, f64, 8)
    cases.append(dict(name='adamw_groups_float64', optimizer='AdamW', options={'lr': 0.01}, dtype='float64',
                      groups=[dict(params=g['params'], options=g['js']) for g in groups],
                      shapes=SHAPES, params=[flat(p) for p in params], grads=[[flat(g) for g in s] for s in grads], expected=traj))
    # LAMB against the apex-formula reference.
    lamb = [
        ('lamb', {'lr': 0.01}, {'lr': 0.01}, 1.0),
        ('lamb_noclip', {'lr': 0.01, 'maxGradNorm': 100.0, 'weightDecay': 0.1}, {'lr': 0.01, 'max_grad_norm': 100.0, 'weight_decay': 0.1}, 1.0),
        ('lamb_l2', {'lr': 0.01, 'adamWMode': False, 'weightDecay': 0.05}, {'lr': 0.01, 'adam_w_mode': False, 'weight_decay': 0.05}, 1.0),
        ('lamb_nowd', {'lr': 0.01, 'weightDecay': 0}, {'lr': 0.01, 'weight_decay': 0.0}, 0.1),
        ('lamb_nvlamb', {'lr': 0.01, 'weightDecay': 0, 'useNvLamb': True}, {'lr': 0.01, 'weight_decay': 0.0, 'use_nvlamb': True}, 0.1),
        ('lamb_nobc_noavg', {'lr': 0.01, 'biasCorrection': False, 'gradAveraging': False, 'betas': [0.8, 0.95]},
         {'lr': 0.01, 'bias_correction': False, 'grad_averaging': False, 'betas': (0.8, 0.95)}, 1.0),
    ]
    for k, (name, jso, kw, scale) in enumerate(lamb):
        for dtype in (f64, f32):
            if dtype is f32 and name != 'lamb':
                continue
            params, grads, traj = lamb_reference(kw, dtype, 200 + k, scale)
            cases.append(dict(name=f'{name}_{str(dtype)[6:]}', optimizer='LAMB', options=jso, dtype=str(dtype)[6:],
                              shapes=SHAPES, params=[flat(p) for p in params],
                              grads=[[flat(g) for g in step] for step in grads], expected=traj))
    return cases


def scheduler_cases():
    S = torch.optim.lr_scheduler
    cases = []

    def make_opt(kind, lrs, **extra):
        ps = [torch.zeros(2, requires_grad=True) for _ in lrs]
        groups = [dict(params=[p], lr=lr) for p, lr in zip(ps, lrs)]
        if kind == 'SGD':
            return torch.optim.SGD(groups, lr=lrs[0], **extra)
        return torch.optim.Adam(groups, lr=lrs[0], **extra)

    def record(opt, what):
        out = {'lr': [g['lr'] for g in opt.param_groups]}
        if what == 'momentum':
            out['momentum'] = [g['momentum'] for g in opt.param_groups]
        if what == 'betas':
            out['beta1'] = [g['betas'][0] for g in opt.param_groups]
        return out

    def run(name, kind, lrs, make_sched, js, steps, extra=None, what=None, metrics=None):
        opt = make_opt(kind, lrs, **(extra or {}))
        sched = make_sched(opt)
        traj = [record(opt, what)]
        for i in range(steps):
            opt.step()
            if metrics is not None:
                sched.step(metrics[i])
            else:
                sched.step()
            traj.append(record(opt, what))
        cases.append(dict(name=name, optimizer=kind, lrs=lrs, optimizerOptions=js.pop('optimizerOptions', {}),
                          scheduler=js, steps=steps, metrics=metrics, trajectory=traj))

    run('step', 'SGD', [0.1, 0.02], lambda o: S.StepLR(o, step_size=3, gamma=0.5), {'type': 'StepLR', 'options': {'stepSize': 3, 'gamma': 0.5}}, 10)
    run('multistep', 'SGD', [0.1], lambda o: S.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.1),
        {'type': 'MultiStepLR', 'options': {'milestones': [2, 5, 5], 'gamma': 0.1}}, 8)
    run('exponential', 'SGD', [0.1, 1.0], lambda o: S.ExponentialLR(o, gamma=0.9), {'type': 'ExponentialLR', 'options': {'gamma': 0.9}}, 8)
    run('cosine', 'SGD', [0.1, 0.05], lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
        {'type': 'CosineAnnealingLR', 'options': {'tMax': 5, 'etaMin': 0.01}}, 17)
    run('linear_warmup', 'SGD', [0.1], lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4),
        {'type': 'LinearLR', 'options': {'startFactor': 0.25, 'totalIters': 4}}, 8)
    run('linear_decay', 'SGD', [0.1], lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=5),
        {'type': 'LinearLR', 'options': {'startFactor': 1.0, 'endFactor': 0.1, 'totalIters': 5}}, 8)
    run('constant', 'SGD', [0.1], lambda o: S.ConstantLR(o, factor=0.5, total_iters=3),
        {'type': 'ConstantLR', 'options': {'factor': 0.5, 'totalIters': 3}}, 6)
    run('lambda', 'SGD', [0.1, 0.3], lambda o: S.LambdaLR(o, lr_lambda=lambda e: 0.95 ** e),
        {'type': 'LambdaLR', 'lambda': 'pow095'}, 6)
    run('multiplicative', 'SGD', [0.1], lambda o: S.MultiplicativeLR(o, lr_lambda=lambda e: 0.95 ** e),
        {'type': 'MultiplicativeLR', 'lambda': 'pow095'}, 6)
    run('polynomial', 'SGD', [0.1], lambda o: S.PolynomialLR(o, total_iters=4, power=2.0),
        {'type': 'PolynomialLR', 'options': {'totalIters': 4, 'power': 2.0}}, 6)
    run('onecycle_cos', 'SGD', [0.1, 0.1], lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=10),
        {'type': 'OneCycleLR', 'options': {'maxLr': [1.0, 0.5], 'totalSteps': 10}, 'optimizerOptions': {'momentum': 0.9}}, 9,
        extra={'momentum': 0.9}, what='momentum')
    run('onecycle_linear_3phase', 'Adam', [0.1], lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=3, steps_per_epoch=4, pct_start=0.25,
                                                                         anneal_strategy='linear', three_phase=True, div_factor=10.0, final_div_factor=100.0),
        {'type': 'OneCycleLR', 'options': {'maxLr': 0.01, 'epochs': 3, 'stepsPerEpoch': 4, 'pctStart': 0.25, 'annealStrategy': 'linear',
                                            'threePhase': True, 'divFactor': 10.0, 'finalDivFactor': 100.0}}, 11, what='betas')

    def seq(o):
        return S.SequentialLR(o, schedulers=[S.LinearLR(o, start_factor=0.1, total_iters=3), S.CosineAnnealingLR(o, T_max=4)], milestones=[3])
    run('sequential', 'SGD', [0.1], seq, {'type': 'SequentialLR', 'children': [
        {'type': 'LinearLR', 'options': {'startFactor': 0.1, 'totalIters': 3}}, {'type': 'CosineAnnealingLR', 'options': {'tMax': 4}}],
        'options': {'milestones': [3]}}, 9)

    def seq2(o):
        return S.SequentialLR(o, schedulers=[S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, gamma=0.9), S.StepLR(o, step_size=2)],
                              milestones=[2, 5])
    run('sequential3', 'SGD', [0.1], seq2, {'type': 'SequentialLR', 'children': [
        {'type': 'ConstantLR', 'options': {'factor': 0.5, 'totalIters': 2}}, {'type': 'ExponentialLR', 'options': {'gamma': 0.9}},
        {'type': 'StepLR', 'options': {'stepSize': 2}}], 'options': {'milestones': [2, 5]}}, 9)

    def chained(o):
        return S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2), S.ExponentialLR(o, gamma=0.9)])
    run('chained', 'SGD', [1.0], chained, {'type': 'ChainedScheduler', 'children': [
        {'type': 'ConstantLR', 'options': {'factor': 0.1, 'totalIters': 2}}, {'type': 'ExponentialLR', 'options': {'gamma': 0.9}}]}, 5)
    run('warm_restarts', 'SGD', [0.1], lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
        {'type': 'CosineAnnealingWarmRestarts', 'options': {'t0': 3, 'tMult': 2, 'etaMin': 0.001}}, 12)
    metrics = [1.0, 0.9, 0.95, 0.91, 0.899, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    run('plateau_min', 'SGD', [0.1, 0.05], lambda o: S.ReduceLROnPlateau(o, patience=1, cooldown=1, threshold=0.01, factor=0.5, min_lr=[0.02, 0.0]),
        {'type': 'ReduceLROnPlateau', 'options': {'patience': 1, 'cooldown': 1, 'threshold': 0.01, 'factor': 0.5, 'minLr': [0.02, 0.0]}},
        len(metrics), metrics=metrics)
    metrics = [0.1, 0.2, 0.25, 0.26, 0.2, 0.3, 0.3, 0.3, 0.3, 0.31]
    run('plateau_max_abs', 'SGD', [0.1], lambda o: S.ReduceLROnPlateau(o, mode='max', threshold_mode='abs', threshold=0.02, patience=2, factor=0.2),
        {'type': 'ReduceLROnPlateau', 'options': {'mode': 'max', 'thresholdMode': 'abs', 'threshold': 0.02, 'patience': 2, 'factor': 0.2}},
        len(metrics), metrics=metrics)
    return cases


def clip_cases():
    g = torch.Generator().manual_seed(5)
    grads = [torch.randn(s, generator=g, dtype=torch.float64) for s in SHAPES]
    cases = []
    for norm_type, max_norm in [(2.0, 1.0), (1.0, 2.0), (float('inf'), 0.5), (3.0, 1.0), (2.0, 100.0)]:
        ps = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
        for p, gr in zip(ps, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        cases.append(dict(normType='inf' if math.isinf(norm_type) else norm_type, maxNorm=max_norm, total=float(total),
                          clipped=[flat(p.grad) for p in ps]))
    ps = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, gr in zip(ps, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(ps, 0.5)
    return dict(shapes=SHAPES, grads=[flat(x) for x in grads], norm=cases, value=dict(clipValue=0.5, clipped=[flat(p.grad) for p in ps]))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in [('optimizers', optimizer_cases()), ('schedulers', scheduler_cases()), ('clip', clip_cases())]:
        with open(os.path.join(OUT, name + '.json'), 'w') as f:
            json.dump({'torch': torch.__version__, 'cases' if name != 'clip' else 'data': data}, f, separators=(',', ':'))
        print(name, os.path.getsize(os.path.join(OUT, name + '.json')), 'bytes')


if __name__ == '__main__':
    main()
