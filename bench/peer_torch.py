# Runs the PyTorch twins of the workloads (bench/workloads/<name>.py) and prints one JSON object
# per workload: {"workload", "results", "meta"}. Called by bench/run.js --peer torch.
#   python3 bench/peer_torch.py --threads N --only gemm,coldstart [--quick]
import argparse
import importlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'workloads'))


def blas_library():
    """Path of the BLAS shared library this process loaded (after a matmul), or None."""
    import torch
    torch.ones(4, 4) @ torch.ones(4, 4)
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '.so' in line}
        return sorted(libs)[0] if libs else None
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, required=True)
    p.add_argument('--only', required=True)
    p.add_argument('--quick', action='store_true')
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    ctx = {'threads': a.threads, 'quick': a.quick}
    blas = blas_library()
    if blas and '/blas/libblas' in blas:
        print('peer_torch: warning: PyTorch uses the reference BLAS (%s); its GEMM figures are not '
              'representative. On Debian: apt-get install libopenblas0-pthread' % blas, file=sys.stderr)
    for name in a.only.split(','):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError:
            print(json.dumps({'workload': name, 'error': 'no PyTorch twin for this workload'}), flush=True)
            continue
        r = mod.run(ctx)
        r['meta']['blas'] = blas
        print(json.dumps({'workload': name, 'results': r['results'], 'meta': r['meta']}), flush=True)


if __name__ == '__main__':
    main()
