// The machine's FP32 FMA peak from bench/fma_peak.cc (built on first use by
// bench/build_fma_peak.sh): widest ISA, GFLOP/s per core and with N threads. null if it cannot be
// built or run (no compiler), in which case tables simply omit the % of peak.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const exe = path.join(root, 'build', 'bench', 'fma_peak');
const cache = new Map();

function fmaPeak(threads) {
  if (cache.has(threads)) return cache.get(threads);
  let result = null;
  try {
    if (!fs.existsSync(exe)) {
      const b = spawnSync('sh', [path.join(root, 'bench', 'build_fma_peak.sh')], { encoding: 'utf8' });
      if (b.status !== 0) throw new Error(b.stderr);
    }
    const r = spawnSync(exe, ['--threads', String(threads)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const o = JSON.parse(r.stdout);
    const isa = o.best;
    if (o[isa]) result = { isa, perCore: o[isa]['1'], measuredNThreads: o[isa][String(threads)], threads, all: o };
  } catch (e) {
    process.stderr.write(`bench: FMA peak probe unavailable (${String(e.message || e).split('\n')[0]})\n`);
  }
  cache.set(threads, result);
  return result;
}

module.exports = { fmaPeak };
