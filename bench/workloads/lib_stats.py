# Timing helpers for the PyTorch peers (the twin of bench/lib/stats.js): calibrated repetitions
# after warm-up, and median/min/max summaries.
import statistics
import time


def timeit(fn, warmup=2, samples=9, min_sample_ms=40):
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    once = max((time.perf_counter() - t0) * 1e3, 1e-3)
    inner = max(1, int(min_sample_ms / once + 0.999))
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) * 1e3 / inner)
    return out


def timeit_split(pre, fn, post, warmup=2, samples=9, min_sample_ms=40):
    """Like timeit, but each call is pre() untimed, fn() timed, post() untimed."""
    def once():
        pre()
        t0 = time.perf_counter()
        fn()
        t = (time.perf_counter() - t0) * 1e3
        post()
        return t
    for _ in range(warmup):
        once()
    inner = max(1, int(min_sample_ms / max(once(), 1e-3) + 0.999))
    return [sum(once() for _ in range(inner)) / inner for _ in range(samples)]


def summarize(values, unit):
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values), 'unit': unit}
