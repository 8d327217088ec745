// Timing helpers shared by the workloads: calibrated repetitions after warm-up, and summaries
// (median/min/max) in the result format of BENCHMARKS.md.
'use strict';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Times fn: `warmup` untimed calls, then `samples` timed samples, each running fn enough times
 * to last about `minSampleMs`. Returns the per-call milliseconds of every sample.
 */
function timeit(fn, { warmup = 2, samples = 9, minSampleMs = 40 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  let t0 = nowMs();
  fn();
  const once = Math.max(nowMs() - t0, 1e-3);
  const inner = Math.max(1, Math.ceil(minSampleMs / once));
  const out = [];
  for (let s = 0; s < samples; s++) {
    t0 = nowMs();
    for (let i = 0; i < inner; i++) fn();
    out.push((nowMs() - t0) / inner);
  }
  return out;
}

/**
 * Like timeit, but each call is pre() untimed, fn() timed, post() untimed (e.g. a forward pass
 * before a timed backward). Returns the per-call milliseconds of fn in every sample.
 */
function timeitSplit(pre, fn, post, { warmup = 2, samples = 9, minSampleMs = 40 } = {}) {
  const once = () => { pre(); const t0 = nowMs(); fn(); const t = nowMs() - t0; post(); return t; };
  for (let i = 0; i < warmup; i++) once();
  const inner = Math.max(1, Math.ceil(minSampleMs / Math.max(once(), 1e-3)));
  const out = [];
  for (let s = 0; s < samples; s++) {
    let t = 0;
    for (let i = 0; i < inner; i++) t += once();
    out.push(t / inner);
  }
  return out;
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** { median, min, max, unit } of a list of values. */
function summarize(values, unit) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), unit };
}

module.exports = { nowMs, timeit, timeitSplit, median, summarize };
