// Workload `rss` (BENCHMARKS.md): peak resident memory of a fresh process that imports the package
// and runs the `mlp` workload (setup from mlp.js, then STEPS train steps). Several processes; MiB.
// Peak RSS is VmHWM of /proc/self/status (this process image only): getrusage's maxRSS is not
// used because Linux carries the forking parent's peak across exec into the child's figure.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const { summarize } = require('../lib/stats');

const STEPS = 200;

const PROBE = `
const nr = require(${JSON.stringify(path.join(__dirname, '..', '..'))});
const { setup } = require(${JSON.stringify(path.join(__dirname, 'mlp.js'))});
const { batches, step } = setup(nr);
for (let i = 0; i < ${STEPS}; i++) { const [x, y] = batches[i % batches.length]; nr.tidy(() => { step(x, y); }); }
const hwm = /VmHWM:\\s*(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(JSON.stringify({ maxRssKiB: hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS }));
`;

module.exports = {
  name: 'rss',
  unit: 'MiB',
  higherIsBetter: false,
  run(ctx) {
    const runs = ctx.quick ? 1 : 3;
    const mib = [];
    for (let i = 0; i < runs; i++) {
      const env = { ...process.env, NEURONA_NUM_THREADS: String(ctx.threads) };
      const r = spawnSync(process.execPath, ['-e', PROBE], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`rss: probe process failed: ${r.stderr}`);
      mib.push(JSON.parse(r.stdout).maxRssKiB / 1024);
    }
    return { results: { 'peak rss, mlp train': summarize(mib, 'MiB') }, meta: { threads: ctx.threads, processes: runs, steps: STEPS, node: process.version } };
  },
};
