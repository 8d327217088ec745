// Environment for running node against the sanitizer build (build-asan/neurona.node, made by
// tools/build-asan.js). Node itself is not instrumented, so the ASan/UBSan runtimes must be loaded
// first with LD_PRELOAD; NEURONA_ADDON_PATH makes src/backend/native.ts load the sanitized addon.
// `asanEnv({ leaks })` returns a copy of process.env with all of that set; `runtimes()` the .so paths.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const addonPath = path.join(root, 'build-asan', 'neurona.node');
const CXX = process.env.CXX || 'g++';

/**
 * Why the sanitizer tools are skipped (null when they run): they need Linux (LD_PRELOAD of the
 * runtimes into node); NEURONA_SKIP_ASAN=1 skips them on purpose. On Linux a compiler without the
 * sanitizer runtimes is an error, not a skip, so CI cannot pass without running them.
 */
function unsupported() {
  if (process.platform !== 'linux') return `the sanitizer build runs on Linux only (this is ${process.platform})`;
  if (process.env.NEURONA_SKIP_ASAN === '1') return 'NEURONA_SKIP_ASAN=1';
  return null;
}

/** Absolute paths of libasan and libubsan as the compiler that built the addon ships them. */
function runtimes() {
  const find = (name) => {
    const p = execFileSync(CXX, [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
    if (!path.isAbsolute(p) || !fs.existsSync(p)) throw new Error(`asan-env: ${CXX} has no ${name} (install the compiler's sanitizer runtime)`);
    return fs.realpathSync(p);
  };
  return [find('libasan.so'), find('libubsan.so')];
}

/**
 * env for a sanitized node process. leaks: run LeakSanitizer at exit (with tools/lsan.supp for
 * allocations made by node, V8, libuv and ICU); off for test runs (node frees little at exit).
 */
function asanEnv({ leaks = false } = {}) {
  const asan = [
    `detect_leaks=${leaks ? 1 : 0}`,
    'halt_on_error=1', 'abort_on_error=0', 'exitcode=66',
    // V8 and node install their own SIGSEGV/SIGBUS handlers (wasm traps); leave them theirs
    'handle_segv=0', 'handle_sigbus=0', 'allow_user_segv_handler=1',
    // node's workers and V8 reserve and release large ranges; the allocator must not refuse big mallocs
    'allocator_may_return_null=1',
    'detect_stack_use_after_return=0', 'detect_odr_violation=0',
    'strict_string_checks=0', 'check_initialization_order=0',
    'print_summary=1', 'symbolize=1',
  ];
  const env = {
    ...process.env,
    LD_PRELOAD: [...runtimes(), process.env.LD_PRELOAD].filter(Boolean).join(' '),
    NEURONA_ADDON_PATH: addonPath,
    ASAN_OPTIONS: asan.join(':'),
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=67:symbolize=1',
  };
  if (leaks) {
    env.LSAN_OPTIONS = [`suppressions=${process.env.NEURONA_LSAN_SUPP || path.join(__dirname, 'lsan.supp')}`, 'print_suppressions=0', 'exitcode=23'].join(':');
  }
  return env;
}

module.exports = { asanEnv, runtimes, unsupported, addonPath };
