#!/usr/bin/python3
"""Regenerates the PyTorch reference fixtures in test/fixtures/*.json (one file per op family) that
test/fixtures.test.ts checks neurona against, so the test suite itself needs no Python.

Run with the Python that has PyTorch 1.13: `npm run fixtures` (= /usr/bin/python3 tools/make_fixtures.py).
Optional arguments name the families to regenerate (default: all). Output is deterministic: every
case seeds its own generator from its name, so regenerating unchanged code gives identical files.
"""
import json
import os
import sys

import torch

sys.dont_write_bytecode = True   # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixturegen import creation, views, binary, unary, reduce, scan, linalg, indexing, sorting, manip  # noqa: E402

FAMILIES = {m.NAME: m for m in (creation, views, binary, unary, reduce, scan, linalg, indexing, sorting, manip)}
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')


def write(fam):
    path = os.path.join(OUT_DIR, fam.name + '.json')
    head = json.dumps({'family': fam.name, 'torch': torch.__version__.split('+')[0]})[:-1]
    lines = [json.dumps(c, separators=(',', ':'), allow_nan=False) for c in fam.cases]
    with open(path, 'w') as f:
        f.write(head + ', "cases": [\n' + ',\n'.join(lines) + '\n]}\n')
    return os.path.getsize(path)


def main(argv):
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(1)
    names = argv or list(FAMILIES)
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for name in names:
        fam = FAMILIES[name].build()
        size = write(fam)
        total += size
        print(f'{name:10s} {len(fam.cases):5d} cases {size / 1024:8.1f} KiB')
        for note in fam.no_grad:
            print(f'    no gradient: {note}')
        for note in fam.skipped:
            print(f'    skipped (PyTorch rejects it): {note}')
    print(f'total {total / 1024:.1f} KiB')


if __name__ == '__main__':
    main(sys.argv[1:])
