#!/usr/bin/env node
// Per-kernel profile of one workload's step: wraps every function of the native addon to time it
// (calls and milliseconds per step), so a step splits into native kernel time and the rest (JS
// dispatch, autograd, allocation). Uses the workload's exported setup(nr) -> { batches, step }.
//   node bench/profile_ops.js mlp|lenet|gpt [--threads N] [--steps 50] [--trace copy]
// --trace NAME also groups that native function's time by the JS call site (first frames outside
// the backend).
'use strict';
const path = require('path');

const argv = process.argv.slice(2);
const name = argv[0];
const opt = (k, d) => { const i = argv.indexOf(k); return i >= 0 ? Number(argv[i + 1]) : d; };
const threads = opt('--threads', 2), steps = opt('--steps', 50);
const trace = argv.includes('--trace') ? argv[argv.indexOf('--trace') + 1] : null;
const sites = new Map();
const nr = require(path.join(__dirname, '..', 'dist', 'cjs', 'index.js'));
const { native } = require(path.join(__dirname, '..', 'dist', 'cjs', 'backend', 'native.js'));
nr.backend.setNumThreads(threads);
const w = require(path.join(__dirname, 'workloads', `${name}.js`));
if (!w.setup) throw new Error(`profile_ops: workload ${name} exports no setup()`);
const { batches, step } = w.setup(nr);
const one = (i) => { const [x, y] = batches[i % batches.length]; nr.tidy(() => { step(x, y); }); };
for (let i = 0; i < 5; i++) one(i);

const addon = native();
const stats = new Map();
let on = false;
for (const k of Object.keys(addon)) {
  const f = addon[k];
  if (typeof f !== 'function') continue;
  const wrapped = function (...a) {
    if (!on) return f.apply(this, a);
    const t0 = process.hrtime.bigint();
    try { return f.apply(this, a); } finally {
      const s = stats.get(k) || { calls: 0, ns: 0n };
      const dt = process.hrtime.bigint() - t0;
      s.calls++; s.ns += dt;
      stats.set(k, s);
      if (k === trace) {
        const frames = new Error().stack.split('\n').slice(2).filter((l) => !/backend[\\/]|profile_ops|ops[\\/]kernels/.test(l)).slice(0, Number(process.env.PROFILE_FRAMES || 3))
          .map((l) => l.trim().replace(/^at /, '').replace(/\(.*[\\/](dist[\\/]cjs[\\/]|bench[\\/])/, '(')).join(' < ');
        const c = sites.get(frames) || { calls: 0, ns: 0n };
        c.calls++; c.ns += dt; sites.set(frames, c);
      }
    }
  };
  try { addon[k] = wrapped; } catch { /* read-only export */ }
  if (addon[k] !== wrapped) throw new Error(`profile_ops: cannot wrap addon.${k}`);
}
on = true;
const t0 = process.hrtime.bigint();
for (let i = 0; i < steps; i++) one(i);
const totalMs = Number(process.hrtime.bigint() - t0) / 1e6 / steps;
on = false;
const rows = [...stats.entries()].map(([k, s]) => [k, s.calls / steps, Number(s.ns) / 1e6 / steps]).sort((a, b) => b[2] - a[2]);
const nativeMs = rows.reduce((s, r) => s + r[2], 0);
console.log(`${name}, ${threads} threads: ${totalMs.toFixed(3)} ms/step (${(1000 / totalMs).toFixed(1)} steps/s); native calls ${nativeMs.toFixed(3)} ms (${(100 * nativeMs / totalMs).toFixed(0)}%), outside native ${(totalMs - nativeMs).toFixed(3)} ms; ${rows.reduce((s, r) => s + r[1], 0)} native calls/step`);
console.log('native function'.padEnd(28) + 'calls/step'.padStart(11) + 'ms/step'.padStart(10) + '%step'.padStart(7));
for (const [k, c, ms] of rows) console.log(k.padEnd(28) + c.toFixed(1).padStart(11) + ms.toFixed(3).padStart(10) + (100 * ms / totalMs).toFixed(1).padStart(7));
if (trace) {
  console.log(`\n${trace} by call site:`);
  for (const [f, c] of [...sites.entries()].sort((a, b) => Number(b[1].ns - a[1].ns))) console.log(`${(Number(c.ns) / 1e6 / steps).toFixed(3).padStart(8)} ms/step ${(c.calls / steps).toFixed(1).padStart(5)} calls  ${f}`);
}
