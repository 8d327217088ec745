# PyTorch peer of bench/workloads/rss.js: peak resident memory of a fresh Python process that
# imports torch and runs the mlp twin (mlp.setup, then STEPS train steps). VmHWM, as in rss.js.
import json
import os
import subprocess
import sys

from lib_stats import summarize

STEPS = 200
PROBE = '''
import resource, sys, torch
sys.path.insert(0, %r)
torch.set_num_threads(%d)
from mlp import setup
batches, step = setup()
for i in range(%d):
    step(*batches[i %% len(batches)])
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]
print(int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
'''


def run(ctx):
    here = os.path.dirname(os.path.abspath(__file__))
    mib = []
    for _ in range(1 if ctx['quick'] else 3):
        out = subprocess.run([sys.executable, '-c', PROBE % (here, ctx['threads'], STEPS)], check=True,
                             capture_output=True, text=True).stdout
        mib.append(int(out.strip().split('\n')[-1]) / 1024)
    return {'results': {'peak rss, mlp train': summarize(mib, 'MiB')},
            'meta': {'threads': ctx['threads'], 'processes': len(mib), 'steps': STEPS}}
