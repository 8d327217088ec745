# Generates test/fixtures/attention.json: softmax(q k^T * scale + mask) v and its gradients,
# computed with explicit float64 PyTorch math (torch 1.13 has no public SDPA), for several shapes,
# causal and bool/float masks. Run: /usr/bin/python3 tools/make_attention_fixtures.py
import json, math, os, torch
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
cases = []
flat = lambda t: [float(x) for x in t.detach().reshape(-1).tolist()]

def sdpa(q, k, v, mask, causal, scale):
    s = q @ k.transpose(-2, -1) * scale
    L, S = q.shape[-2], k.shape[-2]
    if causal:
        s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float('-inf'))
    if mask is not None:
        s = s.masked_fill(~mask, float('-inf')) if mask.dtype == torch.bool else s + mask
    return torch.softmax(s, -1) @ v

for (lead, L, S, E, Ev, causal, mk, scale) in [((2, 3), 5, 7, 4, 3, False, None, None), ((1, 2), 6, 6, 8, 8, True, None, None),
                                              ((2,), 4, 9, 5, 6, False, 'bool', 0.3), ((2, 2), 70, 70, 16, 16, True, None, None),
                                              ((1, 3), 5, 6, 4, 4, False, 'float', None), ((), 33, 65, 8, 5, False, None, None)]:
    q = torch.randn(*lead, L, E, requires_grad=True); k = torch.randn(*lead, S, E, requires_grad=True); v = torch.randn(*lead, S, Ev, requires_grad=True)
    mask = None
    if mk == 'bool':
        mask = torch.rand(L, S) > 0.3
        mask[:, 0] = True
    elif mk == 'float':
        mask = torch.randn(1, L, S)
    sc = scale if scale is not None else 1 / math.sqrt(E)
    y = sdpa(q, k, v, mask, causal, sc)
    g = torch.rand_like(y)
    (y * g).sum().backward()
    cases.append({'lead': list(lead), 'L': L, 'S': S, 'E': E, 'Ev': Ev, 'causal': causal, 'scale': scale,
                  'mask': None if mask is None else {'dtype': 'bool' if mask.dtype == torch.bool else 'float64', 'shape': list(mask.shape), 'data': flat(mask.double())},
                  'q': flat(q), 'k': flat(k), 'v': flat(v), 'y': flat(y), 'g': flat(g), 'gq': flat(q.grad), 'gk': flat(k.grad), 'gv': flat(v.grad)})
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'attention.json')
with open(out, 'w') as f: json.dump({'generator': 'tools/make_attention_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f)
print(len(cases), 'cases ->', out)
