#!/usr/bin/env node
// Benchmark runner for the workloads of BENCHMARKS.md (one file each in bench/workloads/).
//   npm run bench -- [--only gemm,coldstart] [--threads N] [--json] [--peer torch] [--quick]
// Prints a table per workload, or with --json one object per workload:
//   {"workload", "results": {"<name>": {"median","min","max","unit"}}, "meta": {...}}
// --peer torch runs each workload's PyTorch twin (bench/workloads/<name>.py, /usr/bin/python3 or
// $NEURONA_BENCH_PYTHON) right after neurona's in the same run, and adds ratios (>1: neurona ahead).
// Requires the built package (npm run bench builds the TypeScript first).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const WORKLOAD_DIR = path.join(__dirname, 'workloads');
// The order of BENCHMARKS.md; any other file in workloads/ runs after these.
const ORDER = ['coldstart', 'gemm', 'conv', 'attn', 'mlp', 'lenet', 'gpt', 'rss'];

function parseArgs(argv) {
  const o = { json: false, only: null, threads: null, peers: [], quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`bench: ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--json') o.json = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--threads') o.threads = Number(val());
    else if (a === '--peer') o.peers.push(...val().split(','));
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`bench: unknown option ${a} (see --help)`);
  }
  if (o.threads !== null && !(Number.isInteger(o.threads) && o.threads >= 1)) throw new Error('bench: --threads expects a positive integer');
  for (const p of o.peers) if (p !== 'torch') throw new Error(`bench: unknown peer '${p}' (available: torch)`);
  return o;
}

function availableWorkloads() {
  const names = fs.readdirSync(WORKLOAD_DIR).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3));
  return names.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

function loadPackage() {
  const dist = path.join(__dirname, '..', 'dist', 'cjs', 'index.js');
  if (!fs.existsSync(dist)) throw new Error('bench: dist/cjs is missing; run `npm run build:ts` (or `npm run bench`, which builds it)');
  return require(dist);
}

/** Runs the PyTorch twin of one workload; returns its result object or { error }. */
function runTorch(name, threads, quick) {
  const py = process.env.NEURONA_BENCH_PYTHON || '/usr/bin/python3';
  const args = [path.join(__dirname, 'peer_torch.py'), '--threads', String(threads), '--only', name];
  if (quick) args.push('--quick');
  const r = spawnSync(py, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) }, maxBuffer: 1 << 24 });
  if (r.stderr && /warning/.test(r.stderr)) process.stderr.write(r.stderr);
  if (r.status !== 0) return { error: `PyTorch peer failed: ${(r.stderr || r.error || '').toString().trim().split('\n').pop()}` };
  const line = r.stdout.trim().split('\n').pop();
  try {
    const o = JSON.parse(line);
    return o.error ? { error: o.error } : { results: o.results, meta: o.meta };
  } catch {
    return { error: 'PyTorch peer printed no result' };
  }
}

function fmt(v) {
  if (v === undefined || v === null || Number.isNaN(v)) return '-';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 10 ? v.toFixed(2) : v.toFixed(3);
}

function printTable(w, out) {
  const peers = (out.meta && out.meta.peers) || {};
  const cols = ['', 'median', 'min', 'max', 'unit'];
  const hasPeak = Object.values(out.results).some((r) => r.pctPeak !== undefined);
  if (hasPeak) cols.push('% peak');
  for (const p of Object.keys(peers)) cols.push(`${p} median`, `vs ${p}`);
  const rows = [cols];
  for (const [name, r] of Object.entries(out.results)) {
    const row = [name, fmt(r.median), fmt(r.min), fmt(r.max), r.unit];
    if (hasPeak) row.push(r.pctPeak !== undefined ? `${r.pctPeak.toFixed(1)}%` : '-');
    for (const [p, pr] of Object.entries(peers)) {
      const q = pr.results && pr.results[name];
      row.push(q ? fmt(q.median) : '-', q && pr.ratios ? `${pr.ratios[name].toFixed(2)}x` : (pr.error ? 'n/a' : '-'));
    }
    rows.push(row);
  }
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const m = out.meta || {};
  const extra = [];
  if (m.threads !== undefined) extra.push(`threads ${m.threads}`);
  if (m.isa) extra.push(`isa ${m.isa}`);
  if (m.fmaPeak) extra.push(`FMA peak ${m.fmaPeak.isa}: ${m.fmaPeak.perCore.toFixed(0)} GFLOP/s per core, ${m.fmaPeak.measuredNThreads.toFixed(0)} measured on ${m.threads} threads; % of ${m.peakGflops.toFixed(0)}`);
  console.log(`\n== ${w.name} (${w.unit}, ${w.higherIsBetter ? 'higher' : 'lower'} is better)${extra.length ? ' — ' + extra.join(', ') : ''}`);
  console.log(line(rows[0]));
  for (const r of rows.slice(1)) console.log(line(r));
  for (const [p, pr] of Object.entries(peers)) if (pr.error) console.log(`  ${p}: ${pr.error}`);
  if (Object.keys(peers).length) console.log('  ratios: > 1 means neurona is ahead');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const all = availableWorkloads();
  if (o.help) {
    console.log('usage: npm run bench -- [--only a,b] [--threads N] [--json] [--peer torch] [--quick]');
    console.log(`workloads: ${all.join(', ')}`);
    return;
  }
  const names = o.only ?? all;
  for (const n of names) if (!all.includes(n)) throw new Error(`bench: unknown workload '${n}' (available: ${all.join(', ')})`);
  const nr = loadPackage();
  const threads = o.threads ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  nr.backend.setNumThreads(threads);
  for (const name of names) {
    const w = require(path.join(WORKLOAD_DIR, `${name}.js`));
    const out = await w.run({ nr, threads, quick: o.quick });
    out.meta = out.meta || {};
    for (const p of o.peers) {
      const pr = runTorch(name, threads, o.quick);
      if (pr.results) {
        pr.ratios = {};
        for (const [k, r] of Object.entries(out.results)) {
          const q = pr.results[k];
          if (q) pr.ratios[k] = w.higherIsBetter ? r.median / q.median : q.median / r.median;
        }
      }
      (out.meta.peers ??= {})[p] = pr;
    }
    if (o.json) console.log(JSON.stringify({ workload: name, results: out.results, meta: out.meta }));
    else printTable(w, out);
  }
}

main().catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(1);
});
