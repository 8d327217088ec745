// Workload `coldstart` (BENCHMARKS.md): a fresh process imports the package, then runs a 128×128
// matmul, a sum, and reads the value back. Reports import ms and first-op ms (several processes).
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const { summarize } = require('../lib/stats');

const PROBE = `
const t0 = process.hrtime.bigint();
const nr = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
const t1 = process.hrtime.bigint();
const x = nr.randn([128, 128]);
const v = x.matmul(x).sum().item();
const t2 = process.hrtime.bigint();
if (typeof v !== 'number') throw new Error('coldstart: no value read back');
process.stdout.write(JSON.stringify({ importMs: Number(t1 - t0) / 1e6, firstOpMs: Number(t2 - t1) / 1e6 }));
`;

module.exports = {
  name: 'coldstart',
  unit: 'ms',
  higherIsBetter: false,
  run(ctx) {
    const runs = ctx.quick ? 3 : 7;
    const imp = [], first = [];
    for (let i = 0; i < runs; i++) {
      const env = { ...process.env, NEURONA_NUM_THREADS: String(ctx.threads) };
      const r = spawnSync(process.execPath, ['-e', PROBE], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`coldstart: probe process failed: ${r.stderr}`);
      const o = JSON.parse(r.stdout);
      imp.push(o.importMs);
      first.push(o.firstOpMs);
    }
    return {
      results: { import: summarize(imp, 'ms'), 'first op': summarize(first, 'ms'), total: summarize(imp.map((v, i) => v + first[i]), 'ms') },
      meta: { threads: ctx.threads, processes: runs, node: process.version },
    };
  },
};
