# PyTorch peer of bench/workloads/coldstart.js: fresh interpreters import torch, then run a
# 128x128 matmul, a sum and read the value back.
import json
import subprocess
import sys

from lib_stats import summarize

PROBE = r'''
import json, time
t0 = time.perf_counter()
import torch
t1 = time.perf_counter()
torch.set_num_threads(%d)
x = torch.randn(128, 128)
v = (x @ x).sum().item()
t2 = time.perf_counter()
print(json.dumps({'importMs': (t1 - t0) * 1e3, 'firstOpMs': (t2 - t1) * 1e3}))
'''


def run(ctx):
    runs = 3 if ctx['quick'] else 7
    imp, first = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, '-c', PROBE % ctx['threads']], capture_output=True, text=True, check=True)
        o = json.loads(out.stdout)
        imp.append(o['importMs'])
        first.append(o['firstOpMs'])
    return {'results': {'import': summarize(imp, 'ms'), 'first op': summarize(first, 'ms'),
                        'total': summarize([a + b for a, b in zip(imp, first)], 'ms')},
            'meta': {'threads': ctx['threads'], 'processes': runs}}
