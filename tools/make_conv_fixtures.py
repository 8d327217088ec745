# Generates test/fixtures/conv.json: PyTorch reference outputs and input/weight gradients for
# conv1d/conv2d/conv_transpose1d/2d and pooling. Run: /usr/bin/python3 tools/make_conv_fixtures.py
import json, os, torch
import torch.nn.functional as F
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
cases = []

def flat(t): return [float(v) for v in t.detach().reshape(-1).tolist()]

def add(op, x, w, b, kw, fn, wshape=True):
    x = x.clone().requires_grad_(True)
    w = w.clone().requires_grad_(True) if w is not None else None
    b = b.clone().requires_grad_(True) if b is not None else None
    y = fn(x, w, b)
    g = torch.rand_like(y)
    (y * g).sum().backward()
    cases.append({'op': op, 'opts': kw, 'x': flat(x), 'xShape': list(x.shape),
                  'w': flat(w) if w is not None else None, 'wShape': list(w.shape) if w is not None else None,
                  'b': flat(b) if b is not None else None, 'y': flat(y), 'yShape': list(y.shape), 'g': flat(g),
                  'gx': flat(x.grad), 'gw': flat(w.grad) if w is not None else None, 'gb': flat(b.grad) if b is not None else None})

for (N, C, H, W, K, R, S, st, pd, dl, gr) in [(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1), (1, 4, 9, 8, 6, 3, 2, 2, 1, 1, 2), (2, 2, 8, 8, 3, 3, 3, 1, 2, 2, 1), (1, 4, 5, 5, 4, 3, 3, 1, 0, 1, 4), (1, 1, 6, 7, 2, 5, 5, 3, 2, 1, 1)]:
    x = torch.randn(N, C, H, W); w = torch.randn(K, C // gr, R, S); b = torch.randn(K)
    kw = {'stride': st, 'padding': pd, 'dilation': dl, 'groups': gr}
    add('conv2d', x, w, b, kw, lambda x, w, b: F.conv2d(x, w, b, stride=st, padding=pd, dilation=dl, groups=gr))
x = torch.randn(1, 2, 6, 7); w = torch.randn(3, 2, 4, 3)
add('conv2d', x, w, None, {'padding': 'same'}, lambda x, w, b: F.conv2d(x, w, None, padding='same'))
for (N, C, L, K, S, st, pd, dl, gr) in [(2, 3, 10, 4, 3, 1, 1, 1, 1), (1, 4, 11, 4, 3, 2, 0, 2, 2)]:
    x = torch.randn(N, C, L); w = torch.randn(K, C // gr, S); b = torch.randn(K)
    add('conv1d', x, w, b, {'stride': st, 'padding': pd, 'dilation': dl, 'groups': gr},
        lambda x, w, b: F.conv1d(x, w, b, stride=st, padding=pd, dilation=dl, groups=gr))
for (N, Ci, H, W, Co, R, S, st, pd, op_, dl, gr) in [(2, 3, 4, 5, 2, 3, 3, 2, 1, 1, 1, 1), (1, 4, 3, 3, 6, 4, 4, 2, 1, 0, 1, 2), (1, 2, 5, 4, 3, 3, 2, 1, 0, 0, 2, 1)]:
    x = torch.randn(N, Ci, H, W); w = torch.randn(Ci, Co // gr, R, S); b = torch.randn(Co)
    add('convTranspose2d', x, w, b, {'stride': st, 'padding': pd, 'outputPadding': op_, 'dilation': dl, 'groups': gr},
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=st, padding=pd, output_padding=op_, dilation=dl, groups=gr))
x = torch.randn(2, 3, 6); w = torch.randn(3, 2, 3); b = torch.randn(2)
add('convTranspose1d', x, w, b, {'stride': 2, 'padding': 1, 'outputPadding': 1}, lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1))
for (k, st, pd, dl, cm) in [(2, 2, 0, 1, False), (3, 2, 1, 1, True), (3, 1, 1, 2, False), (2, 3, 1, 1, True)]:
    x = torch.randn(2, 3, 7, 8)
    add('maxPool2d', x, None, None, {'kernelSize': k, 'stride': st, 'padding': pd, 'dilation': dl, 'ceilMode': cm},
        lambda x, w, b: F.max_pool2d(x, k, st, pd, dl, ceil_mode=cm))
for (k, st, pd, cm, cip, div) in [(2, 2, 0, False, True, None), (3, 2, 1, True, False, None), (3, 2, 1, False, True, None), (3, 1, 1, True, True, 4)]:
    x = torch.randn(2, 2, 7, 6)
    add('avgPool2d', x, None, None, {'kernelSize': k, 'stride': st, 'padding': pd, 'ceilMode': cm, 'countIncludePad': cip, 'divisorOverride': div},
        lambda x, w, b: F.avg_pool2d(x, k, st, pd, ceil_mode=cm, count_include_pad=cip, divisor_override=div))
for os_ in [(1, 1), (3, 2), (5, 7)]:
    x = torch.randn(2, 3, 7, 9)
    add('adaptiveAvgPool2d', x, None, None, {'outputSize': list(os_)}, lambda x, w, b: F.adaptive_avg_pool2d(x, os_))
x = torch.randn(2, 3, 9)
add('maxPool1d', x, None, None, {'kernelSize': 3, 'stride': 2, 'padding': 1}, lambda x, w, b: F.max_pool1d(x, 3, 2, 1))
add('avgPool1d', x, None, None, {'kernelSize': 3, 'stride': 2}, lambda x, w, b: F.avg_pool1d(x, 3, 2))
add('adaptiveAvgPool1d', x, None, None, {'outputSize': 4}, lambda x, w, b: F.adaptive_avg_pool1d(x, 4))

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'conv.json')
with open(out, 'w') as f: json.dump({'generator': 'tools/make_conv_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)
print(len(cases), 'cases ->', out)
