# Shared loop for the PyTorch twins of the training workloads (the twin of bench/lib/train.js).
from lib_stats import timeit, summarize


def time_train_steps(step, batches, quick=False, warmup=3, samples=9, min_sample_ms=250):
    it = {'i': 0}

    def one():
        x, y = batches[it['i'] % len(batches)]
        it['i'] += 1
        step(x, y)
    ms = timeit(one, warmup=warmup, samples=3 if quick else samples, min_sample_ms=60 if quick else min_sample_ms)
    return summarize([1000 / t for t in ms], 'steps/s')
