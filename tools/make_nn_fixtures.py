# Writes the PyTorch reference values for the nn tests into test/fixtures/nn/*.json: forward outputs
# and gradients of the normalisation ops, the losses, and small modules trained a few SGD steps, all
# computed in float64 from fixed inputs and weights that the JSON carries too (so the tests need no
# Python). Run with a PyTorch 1.13 interpreter:  /usr/bin/python3 tools/make_nn_fixtures.py
import json, math, os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'nn')


def T(t):
    t = t.detach()
    vals = t.reshape(-1).tolist()
    if t.dtype.is_floating_point:
        vals = [float('%.17g' % v) for v in vals]
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': vals}


def leaf(*shape, lo=-2.0, hi=2.0):
    return (torch.rand(*shape) * (hi - lo) + lo).requires_grad_(True)


def run(fn, inputs, grad_names):
    """fn(**inputs) -> output; backward with a fixed random upstream gradient; returns out, gout, grads."""
    for v in inputs.values():
        if isinstance(v, torch.Tensor) and v.grad is not None:
            v.grad = None
    out = fn(**inputs)
    gout = torch.rand(out.shape) + 0.5
    if out.requires_grad:
        out.backward(gout)
    grads = {k: T(inputs[k].grad) for k in grad_names if inputs[k].grad is not None}
    return {'out': T(out), 'gout': T(gout), 'grads': grads}


def case(name, op, inputs, opts, grad_names, fn):
    r = run(fn, inputs, grad_names)
    return {'name': name, 'op': op, 'inputs': {k: T(v) for k, v in inputs.items()}, 'opts': opts, **r}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(obj, f, separators=(',', ':'), allow_nan=False)
    print('wrote', name)


# ---- normalisation ops --------------------------------------------------------------------------
def norm_cases():
    cs = []
    x = leaf(2, 3, 5); w = leaf(5); b = leaf(5)
    cs.append(case('layerNorm last dim', 'layerNorm', {'x': x, 'weight': w, 'bias': b}, {'normalizedShape': [5], 'eps': 1e-5},
                   ['x', 'weight', 'bias'], lambda x, weight, bias: F.layer_norm(x, [5], weight, bias, 1e-5)))
    x = leaf(4, 3, 6); w = leaf(3, 6); b = leaf(3, 6)
    cs.append(case('layerNorm two dims eps', 'layerNorm', {'x': x, 'weight': w, 'bias': b}, {'normalizedShape': [3, 6], 'eps': 1e-3},
                   ['x', 'weight', 'bias'], lambda x, weight, bias: F.layer_norm(x, [3, 6], weight, bias, 1e-3)))
    x = leaf(7, 33)
    cs.append(case('layerNorm no affine', 'layerNorm', {'x': x}, {'normalizedShape': [33], 'eps': 1e-5},
                   ['x'], lambda x: F.layer_norm(x, [33], None, None, 1e-5)))
    x = leaf(3, 4, 9); w = leaf(9)
    rms = lambda x, weight: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * weight
    cs.append(case('rmsNorm', 'rmsNorm', {'x': x, 'weight': w}, {'normalizedShape': [9], 'eps': 1e-6}, ['x', 'weight'], rms))
    x = leaf(5, 2, 8)
    cs.append(case('rmsNorm no weight two dims', 'rmsNorm', {'x': x}, {'normalizedShape': [2, 8], 'eps': 1e-5}, ['x'],
                   lambda x: x * torch.rsqrt(x.pow(2).mean((-2, -1), keepdim=True) + 1e-5)))
    x = leaf(2, 6, 4); w = leaf(6); b = leaf(6)
    cs.append(case('groupNorm', 'groupNorm', {'x': x, 'weight': w, 'bias': b}, {'numGroups': 3, 'eps': 1e-5}, ['x', 'weight', 'bias'],
                   lambda x, weight, bias: F.group_norm(x, 3, weight, bias, 1e-5)))
    x = leaf(3, 4, 2, 3)
    cs.append(case('groupNorm 4d no affine', 'groupNorm', {'x': x}, {'numGroups': 2, 'eps': 1e-4}, ['x'],
                   lambda x: F.group_norm(x, 2, None, None, 1e-4)))
    for shape in [(6, 5), (4, 3, 7), (3, 2, 3, 4)]:
        x = leaf(*shape); w = leaf(shape[1]); b = leaf(shape[1])
        rm0 = torch.rand(shape[1]); rv0 = torch.rand(shape[1]) + 0.5
        rm, rv = rm0.clone(), rv0.clone()
        c = case(f'batchNorm train {list(shape)}', 'batchNorm', {'x': x, 'weight': w, 'bias': b, 'runningMean': rm0, 'runningVar': rv0},
                 {'training': True, 'momentum': 0.2, 'eps': 1e-5}, ['x', 'weight', 'bias'],
                 lambda x, weight, bias, runningMean, runningVar: F.batch_norm(x, rm, rv, weight, bias, True, 0.2, 1e-5))
        c['runningMeanAfter'] = T(rm); c['runningVarAfter'] = T(rv)
        cs.append(c)
        cs.append(case(f'batchNorm eval {list(shape)}', 'batchNorm', {'x': x, 'weight': w, 'bias': b, 'runningMean': rm0, 'runningVar': rv0},
                       {'training': False, 'eps': 1e-3}, ['x', 'weight', 'bias'],
                       lambda x, weight, bias, runningMean, runningVar: F.batch_norm(x, runningMean, runningVar, weight, bias, False, 0.1, 1e-3)))
    x = leaf(5, 4)
    cs.append(case('batchNorm train no affine no stats', 'batchNorm', {'x': x}, {'training': True}, ['x'],
                   lambda x: F.batch_norm(x, None, None, None, None, True)))
    return cs


def batchnorm_module_steps():
    """BatchNorm modules over a few training steps, then eval: outputs, grads and buffers after each step."""
    runs = []
    for cls, shape, opts in [(nn.BatchNorm1d, (8, 3), {'momentum': 0.1}), (nn.BatchNorm1d, (4, 3, 5), {'momentum': None}),
                             (nn.BatchNorm2d, (2, 3, 4, 4), {'momentum': 0.3}),
                             (nn.BatchNorm1d, (6, 2), {'affine': False, 'momentum': 0.1})]:
        m = cls(shape[1], **opts)
        if m.affine:
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.5, 0.5)
        init = {k: T(v) for k, v in m.state_dict().items()}
        steps = []
        for s in range(3):
            x = leaf(*shape, lo=-1 + s, hi=2 + s)
            m.zero_grad()
            y = m(x)
            g = torch.rand(y.shape)
            y.backward(g)
            steps.append({'x': T(x), 'out': T(y), 'gout': T(g), 'gradX': T(x.grad),
                          'params': {k: T(p.grad) for k, p in m.named_parameters()},
                          'state': {k: T(v) for k, v in m.state_dict().items()}})
        m.eval()
        x = leaf(*shape)
        y = m(x)
        runs.append({'cls': cls.__name__, 'numFeatures': shape[1], 'opts': {k: v for k, v in opts.items()}, 'init': init,
                     'steps': steps, 'evalX': T(x), 'evalOut': T(y)})
    return runs


# ---- losses ----------------------------------------------------------------------------------------
def loss_cases():
    cs = []
    reds = ['none', 'mean', 'sum']
    for r in reds:
        x, y = leaf(3, 4), leaf(3, 4)
        cs.append(case(f'mseLoss {r}', 'mseLoss', {'input': x, 'target': y}, {'reduction': r}, ['input', 'target'],
                       lambda input, target: F.mse_loss(input, target, reduction=r)))
        cs.append(case(f'l1Loss {r}', 'l1Loss', {'input': x, 'target': y}, {'reduction': r}, ['input', 'target'],
                       lambda input, target: F.l1_loss(input, target, reduction=r)))
        for beta in [1.0, 0.5, 0.0]:
            cs.append(case(f'smoothL1Loss {r} beta {beta}', 'smoothL1Loss', {'input': x, 'target': y}, {'reduction': r, 'beta': beta},
                           ['input', 'target'], lambda input, target: F.smooth_l1_loss(input, target, reduction=r, beta=beta)))
        for delta in [1.0, 0.7]:
            cs.append(case(f'huberLoss {r} delta {delta}', 'huberLoss', {'input': x, 'target': y}, {'reduction': r, 'delta': delta},
                           ['input', 'target'], lambda input, target: F.huber_loss(input, target, reduction=r, delta=delta)))
    # cross-entropy / nll with class indices
    N, C = 6, 5
    logits = leaf(N, C, lo=-3, hi=3)
    tgt = torch.tensor([0, 4, 2, 2, 1, 3])
    tgt_ign = torch.tensor([0, 4, -100, 2, 1, -100])
    tgt_ign7 = torch.tensor([0, 7, 2, 7, 1, 3])
    wts = torch.rand(C) + 0.5
    for r in reds:
        for name, t, kw in [('plain', tgt, {}), ('weight', tgt, {'weight': wts}), ('ignore -100', tgt_ign, {}),
                            ('ignore 7 weight', tgt_ign7, {'weight': wts, 'ignore_index': 7}),
                            ('smoothing', tgt, {'label_smoothing': 0.1}), ('smoothing weight ignore', tgt_ign, {'weight': wts, 'label_smoothing': 0.25})]:
            opts = {'reduction': r}
            if 'ignore_index' in kw: opts['ignoreIndex'] = kw['ignore_index']
            if 'label_smoothing' in kw: opts['labelSmoothing'] = kw['label_smoothing']
            inputs = {'input': logits, 'target': t}
            if 'weight' in kw: inputs['weight'] = wts
            cs.append(case(f'crossEntropy {name} {r}', 'crossEntropy', inputs, opts, ['input'],
                           lambda input, target, weight=None: F.cross_entropy(input, target, weight=weight, reduction=r,
                                                                            ignore_index=kw.get('ignore_index', -100),
                                                                            label_smoothing=kw.get('label_smoothing', 0.0))))
            if 'label_smoothing' not in kw:
                lp = leaf(N, C, lo=-4, hi=0)
                inputs = {'input': lp, 'target': t}
                if 'weight' in kw: inputs['weight'] = wts
                nopts = {k: v for k, v in opts.items() if k != 'labelSmoothing'}
                cs.append(case(f'nllLoss {name} {r}', 'nllLoss', inputs, nopts, ['input'],
                               lambda input, target, weight=None: F.nll_loss(input, target, weight=weight, reduction=r,
                                                                            ignore_index=kw.get('ignore_index', -100))))
    sp = leaf(2, 4, 3, 2)
    st = torch.randint(0, 4, (2, 3, 2))
    for r in reds:
        cs.append(case(f'crossEntropy spatial {r}', 'crossEntropy', {'input': sp, 'target': st}, {'reduction': r, 'labelSmoothing': 0.05},
                       ['input'], lambda input, target: F.cross_entropy(input, target, reduction=r, label_smoothing=0.05)))
        cs.append(case(f'nllLoss spatial {r}', 'nllLoss', {'input': sp, 'target': st}, {'reduction': r}, ['input'],
                       lambda input, target: F.nll_loss(input, target, reduction=r)))
    one = leaf(C)
    cs.append(case('crossEntropy single sample', 'crossEntropy', {'input': one, 'target': torch.tensor(3)}, {}, ['input'],
                   lambda input, target: F.cross_entropy(input, target)))
    probs = torch.softmax(torch.randn(N, C), 1).requires_grad_(True)
    for r in reds:
        for name, kw in [('plain', {}), ('smoothing weight', {'weight': wts, 'label_smoothing': 0.2})]:
            opts = {'reduction': r}
            inputs = {'input': logits, 'target': probs}
            if 'weight' in kw: inputs['weight'] = wts
            if 'label_smoothing' in kw: opts['labelSmoothing'] = kw['label_smoothing']
            cs.append(case(f'crossEntropy probs {name} {r}', 'crossEntropy', inputs, opts, ['input', 'target'],
                           lambda input, target, weight=None: F.cross_entropy(input, target, weight=weight, reduction=r,
                                                                            label_smoothing=kw.get('label_smoothing', 0.0))))
    # binary
    p = (torch.rand(4, 3) * 0.98 + 0.01).requires_grad_(True)
    y = torch.rand(4, 3).requires_grad_(True)
    bw = torch.rand(3) + 0.5
    z = leaf(4, 3, lo=-30, hi=30)
    pw = torch.rand(3) * 3
    for r in reds:
        cs.append(case(f'binaryCrossEntropy {r}', 'binaryCrossEntropy', {'input': p, 'target': y}, {'reduction': r}, ['input', 'target'],
                       lambda input, target: F.binary_cross_entropy(input, target, reduction=r)))
        cs.append(case(f'binaryCrossEntropy weight {r}', 'binaryCrossEntropy', {'input': p, 'target': y, 'weight': bw}, {'reduction': r},
                       ['input', 'target'], lambda input, target, weight: F.binary_cross_entropy(input, target, weight=weight, reduction=r)))
        cs.append(case(f'bceWithLogits {r}', 'binaryCrossEntropyWithLogits', {'input': z, 'target': y}, {'reduction': r}, ['input', 'target'],
                       lambda input, target: F.binary_cross_entropy_with_logits(input, target, reduction=r)))
        cs.append(case(f'bceWithLogits weights {r}', 'binaryCrossEntropyWithLogits', {'input': z, 'target': y, 'weight': bw, 'posWeight': pw},
                       {'reduction': r}, ['input', 'target'],
                       lambda input, target, weight, posWeight: F.binary_cross_entropy_with_logits(input, target, weight=weight, pos_weight=posWeight, reduction=r)))
    hard = torch.tensor([[0., 1.], [1., 0.]])
    ext = torch.tensor([[1e-9, 1 - 1e-9], [0.3, 0.0]]).requires_grad_(True)
    cs.append(case('binaryCrossEntropy clamp', 'binaryCrossEntropy', {'input': torch.tensor([[0., 1.], [0.5, 1e-50]]), 'target': hard},
                   {'reduction': 'none'}, [], lambda input, target: F.binary_cross_entropy(input, target, reduction='none')))
    cs.append(case('binaryCrossEntropy near 0/1', 'binaryCrossEntropy', {'input': ext, 'target': hard}, {'reduction': 'sum'}, ['input'],
                   lambda input, target: F.binary_cross_entropy(input, target, reduction='sum')))
    # kl
    lp = torch.log_softmax(torch.randn(3, 4), 1).requires_grad_(True)
    tq = torch.softmax(torch.randn(3, 4), 1)
    tq[0, 1] = 0.0
    tq.requires_grad_(True)
    lt = torch.log_softmax(torch.randn(3, 4), 1).requires_grad_(True)
    tpos = torch.softmax(torch.randn(3, 4), 1).requires_grad_(True)
    for r in reds + ['batchmean']:
        # a zero in the target: torch's target gradient there is not finite, so only the input's is compared
        cs.append(case(f'klDiv zero in target {r}', 'klDiv', {'input': lp, 'target': tq}, {'reduction': r}, ['input'],
                       lambda input, target: F.kl_div(input, target.detach(), reduction=r)))
        cs.append(case(f'klDiv {r}', 'klDiv', {'input': lp, 'target': tpos}, {'reduction': r}, ['input', 'target'],
                       lambda input, target: F.kl_div(input, target, reduction=r)))
        cs.append(case(f'klDiv logTarget {r}', 'klDiv', {'input': lp, 'target': lt}, {'reduction': r, 'logTarget': True}, ['input', 'target'],
                       lambda input, target: F.kl_div(input, target, reduction=r, log_target=True)))
    # cosine
    a, b2 = leaf(5, 4), leaf(5, 4)
    lab = torch.tensor([1, -1, 1, -1, -1])
    for r in reds:
        cs.append(case(f'cosineEmbeddingLoss {r}', 'cosineEmbeddingLoss', {'x1': a, 'x2': b2, 'y': lab}, {'reduction': r, 'margin': 0.2},
                       ['x1', 'x2'], lambda x1, x2, y: F.cosine_embedding_loss(x1, x2, y, margin=0.2, reduction=r)))
    cs.append(case('cosineSimilarity dim 1', 'cosineSimilarity', {'x1': a, 'x2': b2}, {'dim': 1}, ['x1', 'x2'],
                   lambda x1, x2: F.cosine_similarity(x1, x2, dim=1)))
    c3 = leaf(2, 3, 4)
    cs.append(case('cosineSimilarity broadcast dim -1', 'cosineSimilarity', {'x1': c3, 'x2': b2[0:1].detach().requires_grad_(True)},
                   {'dim': -1}, ['x1', 'x2'], lambda x1, x2: F.cosine_similarity(x1, x2, dim=-1)))
    return cs


# ---- modules --------------------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.norm = nn.LayerNorm(8)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.act(self.norm(self.fc1(x))))


def training_runs():
    """Small models trained 3 steps of plain SGD (p -= lr * grad) on fixed data."""
    runs = []
    models = {
        'mlp_layernorm_gelu': Net(),
        'sequential_bn_tanh': nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 3), nn.LogSoftmax(1)),
        'sequential_groupnorm_silu': nn.Sequential(nn.Linear(4, 6), nn.SiLU(), nn.GroupNorm(2, 6), nn.Linear(6, 2)),
    }
    data = {
        'mlp_layernorm_gelu': (torch.randn(10, 4), torch.randint(0, 3, (10,)), 'crossEntropy'),
        'sequential_bn_tanh': (torch.randn(10, 5), torch.randint(0, 3, (10,)), 'nllLoss'),
        'sequential_groupnorm_silu': (torch.randn(10, 4), torch.randn(10, 2), 'mseLoss'),
    }
    for name, m in models.items():
        x, y, loss_name = data[name]
        init = {k: T(v) for k, v in m.state_dict().items()}
        lossf = {'crossEntropy': F.cross_entropy, 'nllLoss': F.nll_loss, 'mseLoss': F.mse_loss}[loss_name]
        losses, grads = [], []
        for s in range(3):
            m.zero_grad()
            loss = lossf(m(x), y)
            loss.backward()
            losses.append(loss.item())
            grads.append({k: T(p.grad) for k, p in m.named_parameters()})
            with torch.no_grad():
                for p in m.parameters():
                    p -= 0.1 * p.grad
        m.eval()
        runs.append({'name': name, 'loss': loss_name, 'x': T(x), 'y': T(y), 'init': init, 'losses': losses, 'grads': grads,
                     'final': {k: T(v) for k, v in m.state_dict().items()}, 'evalOut': T(m(x))})
    return runs


def keys_and_misc():
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(),
                          nn.Sequential(nn.LayerNorm(4), nn.Linear(4, 2, bias=False)), nn.Embedding(5, 2, padding_idx=0))
    emb = nn.Embedding(6, 3, padding_idx=2)
    idx = torch.tensor([[0, 2, 5], [2, 1, 1]])
    eo = emb(idx)
    g = torch.rand(eo.shape)
    eo.backward(g)
    bil = nn.Bilinear(3, 2, 4)
    x1, x2 = leaf(5, 3), leaf(5, 2)
    bo = bil(x1, x2)
    bg = torch.rand(bo.shape)
    bo.backward(bg)
    return {
        'stateDictKeys': list(model.state_dict().keys()),
        'namedParameters': [k for k, _ in model.named_parameters()],
        'namedBuffers': [k for k, _ in model.named_buffers()],
        'namedModules': [k for k, _ in model.named_modules()],
        'gains': {n: nn.init.calculate_gain(n) for n in ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu', 'conv2d']},
        'gainLeaky02': nn.init.calculate_gain('leaky_relu', 0.2),
        'embedding': {'weight': T(emb.weight), 'idx': T(idx), 'out': T(eo), 'gout': T(g), 'grad': T(emb.weight.grad)},
        'bilinear': {'weight': T(bil.weight), 'bias': T(bil.bias), 'x1': T(x1), 'x2': T(x2), 'out': T(bo), 'gout': T(bg),
                     'gradWeight': T(bil.weight.grad), 'gradBias': T(bil.bias.grad), 'gradX1': T(x1.grad), 'gradX2': T(x2.grad)},
    }


if __name__ == '__main__':
    write('norm.json', {'torch': torch.__version__, 'cases': norm_cases(), 'batchNormModules': batchnorm_module_steps()})
    write('loss.json', {'torch': torch.__version__, 'cases': loss_cases()})
    write('modules.json', {'torch': torch.__version__, 'training': training_runs(), **keys_and_misc()})
