#!/usr/bin/env python3
"""Joins our RESULT rows with the PyTorch rows of the same run (results CSV: source,key,variant,ms,value,unit)
and prints one table: per key, each of our variants against the best PyTorch figure (ratio = ours /
torch, higher is better for TFLOP/s and GB/s), and for memory-bound keys also against the copy
ceiling measured in the same run (cudaMemcpy of the same dtype)."""
import sys
from collections import OrderedDict

ours, torch = OrderedDict(), {}
for line in open(sys.argv[1]):
    parts = line.strip().split(",")
    if len(parts) != 6:
        continue
    src, key, var, ms, val, unit = parts
    rec = (var, float(ms), float(val), unit)
    if src == "ours":
        ours.setdefault(key, []).append(rec)
    else:
        torch.setdefault(key, []).append(rec)

copy_bw = {}
for key, recs in ours.items():
    if key.startswith("mem/copy/"):
        for r in recs:
            if r[0] == "cudaMemcpy":
                copy_bw[key.split("/")[2]] = r[2]

hdr = f"{'kernel / config':<44} {'ours':<12} {'ms':>9} {'value':>9} | {'peer':<22} {'ms':>9} {'value':>9} | {'ratio':>6} {'vs copy':>7}"
print(hdr)
print("-" * len(hdr))
for key, recs in ours.items():
    peers = torch.get(key, [])
    best = max(peers, key=lambda r: r[2]) if peers else None
    for var, ms, val, unit in recs:
        ratio = f"{val / best[2]:.2f}" if best else "-"
        vs_copy = "-"
        if unit == "GB/s":
            dt = key.split("/")[2] if key.startswith("mem/") else key.split("/")[1]
            if dt in copy_bw:
                vs_copy = f"{val / copy_bw[dt]:.2f}"
            elif "float32" in copy_bw:
                vs_copy = f"{val / copy_bw['float32']:.2f}"
        peer = f"{best[0]:<22} {best[1]:>9.3f} {best[2]:>9.1f}" if best else f"{'-':<22} {'':>9} {'':>9}"
        print(f"{key:<44} {var:<12} {ms:>9.3f} {val:>9.1f} | {peer} | {ratio:>6} {vs_copy:>7}  {unit}")
    for p in peers:
        if best and p is not best:
            print(f"{'':<44} {'':<12} {'':>9} {'':>9} | {p[0]:<22} {p[1]:>9.3f} {p[2]:>9.1f} |")
