// `npm run test:asan`: builds the sanitizer addon (tools/build-asan.js, incremental) and runs the
// native-facing vitest files against it under AddressSanitizer + UndefinedBehaviorSanitizer, first at
// the best kernel level (the files compare every level against 'ref' themselves where they have
// fast-vs-ref tests), then the files without such tests again with NEURONA_ISA=ref. Fails when vitest
// fails or any sanitizer report appears in the output (a report aborts the test fork).
// Usage: node tools/test-asan.js [--no-build] [--no-ref] [test files...]
const { spawn, spawnSync } = require('child_process');
const path = require('path');
const { asanEnv } = require('./asan-env');

const root = path.join(__dirname, '..');
// Files that exercise native code (kernels, bindings, storage, threads). Left out: pure-JS
// utilities (csv, plot, tensorboard, transforms, lr_scheduler, data), examples and fixtures
// (slow under ASan, same kernels as below), cuda (no GPU), memory (RSS bounds vs ASan's quarantine).
const FILES = [
  'core', 'errors', 'dtype', 'indexing', 'scan', 'sort', 'softmax', 'loss', 'norm', 'conv',
  'attention', 'matmul', 'simd', 'optim', 'grad', 'nn', 'rnn', 'init', 'safetensors', 'checkpoint',
  'workers', 'dataloader', 'transformer', 'train',
];
// Files that run at the active level only (no fast-vs-ref comparisons): their second pass at 'ref'.
const REF_FILES = ['core', 'dtype', 'indexing', 'sort', 'softmax', 'grad', 'nn', 'rnn', 'workers', 'train'];

const argv = process.argv.slice(2);
const flag = (f) => { const i = argv.indexOf(f); if (i >= 0) argv.splice(i, 1); return i >= 0; };
const noBuild = flag('--no-build');
const noRef = flag('--no-ref');
const fileArg = (n) => (n.includes('/') ? n : `test/${n}.test.ts`);
const files = argv.length ? argv.map(fileArg) : FILES.map(fileArg);

if (!noBuild) {
  const b = spawnSync(process.execPath, [path.join(__dirname, 'build-asan.js')], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer/;

/** Runs vitest on `list` with the sanitizer env (+ extra); resolves { status, report } . */
function vitest(list, extra, label) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    console.log(`\ntest-asan: ${label}: ${list.length} files`);
    const env = { ...asanEnv({ leaks: false }), ...extra };
    const p = spawn(process.execPath, [require.resolve('vitest/vitest.mjs'), 'run', '--reporter=dot', ...list],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let report = false, tail = '';
    const scan = (chunk, stream) => {
      stream.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
      if (REPORT.test(tail)) report = true;
    };
    p.stdout.on('data', (c) => scan(c, process.stdout));
    p.stderr.on('data', (c) => scan(c, process.stderr));
    p.on('close', (code) => {
      console.log(`test-asan: ${label}: exit ${code}${report ? ', SANITIZER REPORT' : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      resolve({ status: code, report });
    });
  });
}

(async () => {
  const runs = [await vitest(files, {}, 'best kernel level')];
  const refList = files.filter((f) => REF_FILES.some((n) => f === fileArg(n)));
  if (!noRef && refList.length) runs.push(await vitest(refList, { NEURONA_ISA: 'ref' }, "kernel level 'ref'"));
  const bad = runs.some((r) => r.status !== 0 || r.report);
  console.log(bad ? 'test-asan: FAILED' : 'test-asan: clean (no sanitizer reports, all tests passed)');
  process.exit(bad ? 1 : 0);
})();
