#!/usr/bin/env node
// Per-kernel profile of one workload's step: wraps every function of the native addon to time it
// (calls and milliseconds per step), so a step splits into native kernel time and the rest (JS
// dispatch, autograd, allocation). Uses the workload's exported setup(nr) -> { batches, step }.
//   node bench/profile_ops.js mlp|lenet|gpt [--threads N] [--steps 50]
'use strict';
const path = require('path');

const argv = process.argv.slice(2);
const name = argv[0];
const opt = (k, d) => { const i = argv.indexOf(k); return i >= 0 ? Number(argv[i + 1]) : d; };
const threads = opt('--threads', 2), steps = opt('--steps', 50);
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
      s.calls++; s.ns += process.hrtime.bigint() - t0;
      stats.set(k, s);
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
