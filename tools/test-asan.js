// `npm run test:asan`: builds the sanitizer addon (tools/build-asan.js, incremental) and runs the
// native-facing vitest files against it under AddressSanitizer + UndefinedBehaviorSanitizer, first at
// the best kernel level (the files compare every level against 'ref' themselves where they have
// fast-vs-ref tests), then the files without such tests again with NEURONA_ISA=ref. Fails when vitest
// fails or any sanitizer report appears in the output (a report aborts the test fork).
// --ci: the subset `npm run test:all` runs (CI has 2 cores and a time budget): the kernel, binding,
// storage and thread files, without the layer-level files that reach the same kernels through nn.
// Usage: node tools/test-asan.js [--no-build] [--no-ref] [--ci] [test files...]
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { asanEnv, unsupported } = require('./asan-env');

const root = path.join(__dirname, '..');
// Files that exercise native code (kernels, bindings, storage, threads). Left out: pure-JS
// utilities (csv, plot, tensorboard, transforms, lr_scheduler, data), examples and fixtures
// (slow under ASan, same kernels as below), cuda (no GPU), memory (RSS bounds vs ASan's quarantine).
const FILES = [
  'core', 'errors', 'dtype', 'indexing', 'scan', 'sort', 'softmax', 'loss', 'norm', 'conv',
  'attention', 'matmul', 'simd', 'optim', 'grad', 'nn', 'rnn', 'init', 'safetensors', 'checkpoint',
  'workers', 'dataloader', 'transformer', 'train', 'copy', 'cache', 'anomaly',
  'test/property/native_args.test.ts', 'test/property/invalid.test.ts', 'test/property/conv_pool.test.ts',
  'test/property/indexing.test.ts', 'test/property/safetensors_fuzz.test.ts', 'test/property/idx_fuzz.test.ts',
];
const CI_FILES = [
  'core', 'errors', 'dtype', 'indexing', 'scan', 'sort', 'softmax', 'loss', 'norm', 'conv',
  'attention', 'matmul', 'simd', 'optim', 'safetensors', 'checkpoint', 'workers', 'copy',
  'test/property/native_args.test.ts', 'test/property/invalid.test.ts',
];
// Files that run at the active level only (no fast-vs-ref comparisons): their second pass at 'ref'.
// (train is left out: it has wall-clock assertions that the slow reference kernels under ASan miss.)
const REF_FILES = ['core', 'dtype', 'sort', 'softmax', 'grad', 'nn', 'rnn', 'workers'];

const argv = process.argv.slice(2);
const flag = (f) => { const i = argv.indexOf(f); if (i >= 0) argv.splice(i, 1); return i >= 0; };
const noBuild = flag('--no-build');
const noRef = flag('--no-ref');
const ci = flag('--ci');
const fileArg = (n) => (n.includes('/') ? n : `test/${n}.test.ts`);
const files = argv.length ? argv.map(fileArg) : (ci ? CI_FILES : FILES).map(fileArg);

if (unsupported()) { console.log(`test-asan: skipped: ${unsupported()}`); process.exit(0); }
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
    const json = path.join(os.tmpdir(), `neurona-asan-${process.pid}-${Date.now()}.json`);
    const p = spawn(process.execPath, [require.resolve('vitest/vitest.mjs'), 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${json}`, ...list],
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
      try {
        const j = JSON.parse(fs.readFileSync(json, 'utf8'));
        fs.unlinkSync(json);
        const per = j.testResults.map((r) => `${path.basename(r.name, '.test.ts')} ${((r.endTime - r.startTime) / 1000).toFixed(1)}s`);
        console.log(`test-asan: ${label}: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests} skipped; per file: ${per.join(', ')}`);
      } catch (_) { /* vitest died before writing its report */ }
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
