# Writes the PyTorch reference values for the sequence-layer tests into test/fixtures/seq/*.json:
# for RNN/LSTM/GRU, the cells, MultiheadAttention and the Transformer layers/stacks, each case holds
# the module's state dict (infinities as the strings 'inf'/'-inf'), the inputs, the outputs, random upstream gradients for every output and
# the resulting input and parameter gradients, all float64 (the tests load the state dict into the
# neurona module with loadStateDict and compare). Run with PyTorch 1.13:
#   /usr/bin/python3 tools/make_seq_fixtures.py
import json, os
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'seq')


def T(t):
    t = t.detach()
    vals = t.reshape(-1).tolist()
    if t.dtype.is_floating_point:
        vals = [float('%.17g' % v) if abs(v) != float('inf') else ('inf' if v > 0 else '-inf') for v in vals]
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'data': vals}


def flat(out):
    if isinstance(out, torch.Tensor):
        return [out]
    res = []
    for o in out:
        if o is not None:
            res += flat(o)
    return res


def case(name, kind, ctor, module, inputs, fwd, train=True, fwd_opts=None):
    """module built by the caller under a fixed seed; inputs: dict of tensors (float ones get grads)."""
    module.train(train)
    sd = {k: T(v) for k, v in module.state_dict().items()}
    for k, v in inputs.items():
        if isinstance(v, torch.Tensor) and v.dtype.is_floating_point and 'mask' not in k.lower():
            v.requires_grad_(True)
    outs = flat(fwd(module, **inputs))
    gouts = [torch.rand(o.shape) + 0.5 for o in outs]
    loss = sum((o * g).sum() for o, g in zip(outs, gouts))
    loss.backward()
    return {
        'name': name, 'kind': kind, 'ctor': ctor, 'train': train, 'opts': fwd_opts or {},
        'stateDict': sd,
        'inputs': {k: T(v) for k, v in inputs.items() if isinstance(v, torch.Tensor)},
        'outs': [T(o) for o in outs], 'gouts': [T(g) for g in gouts],
        'inputGrads': {k: T(v.grad) for k, v in inputs.items() if isinstance(v, torch.Tensor) and v.grad is not None},
        'paramGrads': {k: T(p.grad) for k, p in module.named_parameters() if p.grad is not None},
    }


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(obj, f, separators=(',', ':'), allow_nan=False)
    print('wrote', name, len(obj['cases']), 'cases')


def rnd(*shape):
    return torch.rand(*shape) * 2 - 1


# ---- recurrent -----------------------------------------------------------------------------------
def rnn_cases():
    cs = []
    specs = [
        # name, class, (in, hidden), torch kwargs, js options, input shape, with h0
        ('RNN tanh 2 layers h0', 'RNN', (3, 4), dict(num_layers=2), dict(numLayers=2), (5, 2, 3), True),
        ('RNN relu bidirectional batchFirst', 'RNN', (3, 4), dict(nonlinearity='relu', bidirectional=True, batch_first=True),
         dict(nonlinearity='relu', bidirectional=True, batchFirst=True), (2, 4, 3), False),
        ('RNN unbatched no bias', 'RNN', (2, 3), dict(bias=False), dict(bias=False), (4, 2), True),
        ('LSTM 2 layers bidirectional batchFirst h0 c0', 'LSTM', (3, 4), dict(num_layers=2, bidirectional=True, batch_first=True),
         dict(numLayers=2, bidirectional=True, batchFirst=True), (2, 5, 3), True),
        ('LSTM single layer zero state', 'LSTM', (4, 3), {}, {}, (6, 3, 4), False),
        ('LSTM unbatched no bias h0 c0', 'LSTM', (2, 3), dict(bias=False, num_layers=2), dict(bias=False, numLayers=2), (3, 2), True),
        ('GRU 2 layers bidirectional h0', 'GRU', (3, 4), dict(num_layers=2, bidirectional=True), dict(numLayers=2, bidirectional=True), (4, 2, 3), True),
        ('GRU batchFirst zero state', 'GRU', (5, 3), dict(batch_first=True), dict(batchFirst=True), (3, 4, 5), False),
        ('GRU 3 layers dropout eval', 'GRU', (2, 3), dict(num_layers=3, dropout=0.5), dict(numLayers=3, dropout=0.5), (4, 2, 2), True),
    ]
    for i, (name, cls, (I, H), tkw, jkw, xs, with_h0) in enumerate(specs):
        torch.manual_seed(100 + i)
        m = getattr(nn, cls)(I, H, **tkw)
        D = 2 if tkw.get('bidirectional') else 1
        Lyr = tkw.get('num_layers', 1)
        unb = len(xs) == 2
        N = 1 if unb else (xs[0] if tkw.get('batch_first') else xs[1])
        hs = (D * Lyr, H) if unb else (D * Lyr, N, H)
        inputs = {'x': rnd(*xs)}
        if with_h0:
            inputs['h0'] = rnd(*hs)
            if cls == 'LSTM':
                inputs['c0'] = rnd(*hs)
        if cls == 'LSTM':
            fwd = lambda m, x, h0=None, c0=None: m(x, None if h0 is None else (h0, c0))
        else:
            fwd = lambda m, x, h0=None: m(x, h0)
        train = 'eval' not in name
        cs.append(case(name, cls, {'args': [I, H], 'opts': jkw}, m, inputs, fwd, train=train))
    cells = [
        ('RNNCell tanh', 'RNNCell', (3, 4), {}, {}, (2, 3), True),
        ('RNNCell relu no bias zero state', 'RNNCell', (3, 4), dict(nonlinearity='relu', bias=False), dict(nonlinearity='relu', bias=False), (2, 3), False),
        ('LSTMCell', 'LSTMCell', (3, 4), {}, {}, (3, 3), True),
        ('LSTMCell unbatched zero state', 'LSTMCell', (2, 3), {}, {}, (2,), False),
        ('GRUCell', 'GRUCell', (3, 4), {}, {}, (2, 3), True),
        ('GRUCell unbatched', 'GRUCell', (2, 5), {}, {}, (2,), True),
    ]
    for i, (name, cls, (I, H), tkw, jkw, xs, with_h) in enumerate(cells):
        torch.manual_seed(200 + i)
        m = getattr(nn, cls)(I, H, **tkw)
        hs = (H,) if len(xs) == 1 else (xs[0], H)
        inputs = {'x': rnd(*xs)}
        if with_h:
            inputs['h0'] = rnd(*hs)
            if cls == 'LSTMCell':
                inputs['c0'] = rnd(*hs)
        if cls == 'LSTMCell':
            fwd = lambda m, x, h0=None, c0=None: m(x, None if h0 is None else (h0, c0))
        else:
            fwd = lambda m, x, h0=None: m(x, h0)
        cs.append(case(name, cls, {'args': [I, H], 'opts': jkw}, m, inputs, fwd))
    return cs


# ---- attention -----------------------------------------------------------------------------------
def causal_bool(L, S):
    return torch.ones(L, S, dtype=torch.bool).triu(1)


def mha_cases():
    cs = []
    E, H = 6, 2

    def add(name, seed, tkw, jkw, inputs, opts, train=True):
        torch.manual_seed(seed)
        m = nn.MultiheadAttention(E, H, **tkw)
        torch.manual_seed(seed + 1)
        ins = {k: v() for k, v in inputs.items()}

        def fwd(m, query, key, value, keyPaddingMask=None, attnMask=None):
            return m(query, key, value, key_padding_mask=keyPaddingMask, attn_mask=attnMask,
                     need_weights=opts.get('needWeights', True), average_attn_weights=opts.get('averageAttnWeights', True))
        cs.append(case(name, 'MultiheadAttention', {'args': [E, H], 'opts': jkw}, m, ins, fwd, train=train, fwd_opts=opts))

    L, S, N = 4, 5, 2
    add('self attention with weights', 1, {}, {}, {'query': lambda: rnd(L, N, E), 'key': lambda: rnd(L, N, E), 'value': lambda: rnd(L, N, E)}, {})
    kpm = lambda: torch.tensor([[False, False, False, True, True], [False, True, False, False, False]])
    add('batchFirst key padding bool + float attnMask, fused', 3, dict(batch_first=True), dict(batchFirst=True),
        {'query': lambda: rnd(N, L, E), 'key': lambda: rnd(N, S, E), 'value': lambda: rnd(N, S, E), 'keyPaddingMask': kpm,
         'attnMask': lambda: rnd(L, S)}, {'needWeights': False})
    add('batchFirst key padding bool + float attnMask, weights', 3, dict(batch_first=True), dict(batchFirst=True),
        {'query': lambda: rnd(N, L, E), 'key': lambda: rnd(N, S, E), 'value': lambda: rnd(N, S, E), 'keyPaddingMask': kpm,
         'attnMask': lambda: rnd(L, S)}, {'needWeights': True})
    m3 = lambda: torch.rand(N * H, L, S) < 0.3
    add('kdim vdim cross attention, 3-D bool attnMask, per-head weights', 5, dict(kdim=3, vdim=4), dict(kdim=3, vdim=4),
        {'query': lambda: rnd(L, N, E), 'key': lambda: rnd(S, N, 3), 'value': lambda: rnd(S, N, 4),
         'attnMask': lambda: torch.cat([torch.zeros(N * H, L, 1, dtype=torch.bool), (torch.rand(N * H, L, S - 1) < 0.4)], 2)},
        {'needWeights': True, 'averageAttnWeights': False})
    add('no bias unbatched fused', 7, dict(bias=False), dict(bias=False),
        {'query': lambda: rnd(L, E), 'key': lambda: rnd(S, E), 'value': lambda: rnd(S, E)}, {'needWeights': False})
    # isCausal (JS) == a causal bool attn_mask in PyTorch 1.13 (no is_causal argument there)
    add('causal self attention, fused', 9, {}, {},
        {'query': lambda: rnd(L, N, E), 'key': lambda: rnd(L, N, E), 'value': lambda: rnd(L, N, E), 'attnMask': lambda: causal_bool(L, L)},
        {'needWeights': False, 'isCausal': True})
    add('dropout in eval mode', 11, dict(dropout=0.5), dict(dropout=0.5),
        {'query': lambda: rnd(L, N, E), 'key': lambda: rnd(S, N, E), 'value': lambda: rnd(S, N, E)}, {'needWeights': True}, train=False)
    return cs


# ---- transformer ---------------------------------------------------------------------------------
def transformer_cases():
    cs = []
    E, H, FF, L, S, N = 8, 2, 16, 4, 5, 2

    def float_causal(n):
        return torch.zeros(n, n).masked_fill(causal_bool(n, n), float('-inf'))

    specs = [
        ('encoder layer post-norm relu train', 'TransformerEncoderLayer', dict(dropout=0.0), dict(dropout=0), False, True),
        ('encoder layer pre-norm gelu batchFirst eval', 'TransformerEncoderLayer',
         dict(dropout=0.1, activation='gelu', norm_first=True, batch_first=True, layer_norm_eps=1e-6),
         dict(dropout=0.1, activation='gelu', normFirst=True, batchFirst=True, layerNormEps=1e-6), True, False),
        ('decoder layer post-norm train', 'TransformerDecoderLayer', dict(dropout=0.0), dict(dropout=0), False, True),
        ('decoder layer pre-norm gelu batchFirst eval', 'TransformerDecoderLayer',
         dict(dropout=0.2, activation='gelu', norm_first=True, batch_first=True),
         dict(dropout=0.2, activation='gelu', normFirst=True, batchFirst=True), True, False),
    ]
    for i, (name, cls, tkw, jkw, bf, train) in enumerate(specs):
        torch.manual_seed(300 + i)
        m = getattr(nn, cls)(E, H, dim_feedforward=FF, **tkw)
        jkw = dict(jkw, dimFeedforward=FF)
        shape = (lambda l: (N, l, E)) if bf else (lambda l: (l, N, E))
        kpm = torch.tensor([[False, False, False, True], [False, False, False, False]])
        mkpm = torch.tensor([[False, False, True, True, False], [False, False, False, False, False]])
        if cls == 'TransformerEncoderLayer':
            ins = {'src': rnd(*shape(L)), 'srcMask': float_causal(L), 'srcKeyPaddingMask': kpm}
            fwd = lambda m, src, srcMask, srcKeyPaddingMask: m(src, src_mask=srcMask, src_key_padding_mask=srcKeyPaddingMask)
        else:
            ins = {'tgt': rnd(*shape(L)), 'memory': rnd(*shape(S)), 'tgtMask': float_causal(L), 'tgtKeyPaddingMask': kpm,
                   'memoryKeyPaddingMask': mkpm}
            fwd = lambda m, tgt, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask: m(
                tgt, memory, tgt_mask=tgtMask, tgt_key_padding_mask=tgtKeyPaddingMask, memory_key_padding_mask=memoryKeyPaddingMask)
        cs.append(case(name, cls, {'args': [E, H], 'opts': jkw}, m, ins, fwd, train=train))

    # stacks: 2 layers + final norm (dropout 0, train mode)
    torch.manual_seed(400)
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=FF, dropout=0.0)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E), enable_nested_tensor=False)
    # make the two layers differ, as after training
    with torch.no_grad():
        for p in enc.layers[1].parameters():
            p.add_(rnd(*p.shape) * 0.1)
    ins = {'src': rnd(L, N, E), 'mask': float_causal(L)}
    cs.append(case('encoder 2 layers + norm', 'TransformerEncoder', {'args': [E, H], 'opts': {'dimFeedforward': FF, 'dropout': 0}, 'numLayers': 2},
                   enc, ins, lambda m, src, mask: m(src, mask=mask)))
    torch.manual_seed(401)
    layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=FF, dropout=0.0, norm_first=True)
    dec = nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(E))
    with torch.no_grad():
        for p in dec.layers[1].parameters():
            p.add_(rnd(*p.shape) * 0.1)
    ins = {'tgt': rnd(L, N, E), 'memory': rnd(S, N, E), 'tgtMask': float_causal(L)}
    cs.append(case('pre-norm decoder 2 layers + norm', 'TransformerDecoder',
                   {'args': [E, H], 'opts': {'dimFeedforward': FF, 'dropout': 0, 'normFirst': True}, 'numLayers': 2},
                   dec, ins, lambda m, tgt, memory, tgtMask: m(tgt, memory, tgt_mask=tgtMask)))
    # the full encoder-decoder model (xavier init, batch first, masks)
    torch.manual_seed(402)
    tr = nn.Transformer(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=FF, dropout=0.0, batch_first=True)
    ins = {'src': rnd(N, S, E), 'tgt': rnd(N, L, E), 'tgtMask': float_causal(L),
           'srcKeyPaddingMask': torch.tensor([[False, False, False, False, True], [False, False, False, False, False]])}
    cs.append(case('Transformer encoder-decoder batchFirst', 'Transformer',
                   {'args': [E, H], 'opts': {'numEncoderLayers': 2, 'numDecoderLayers': 1, 'dimFeedforward': FF, 'dropout': 0, 'batchFirst': True}},
                   tr, ins, lambda m, src, tgt, tgtMask, srcKeyPaddingMask: m(src, tgt, tgt_mask=tgtMask, src_key_padding_mask=srcKeyPaddingMask,
                                                                            memory_key_padding_mask=srcKeyPaddingMask)))
    return cs


if __name__ == '__main__':
    write('rnn.json', {'cases': rnn_cases()})
    write('attention.json', {'cases': mha_cases()})
    write('transformer.json', {'cases': transformer_cases()})
