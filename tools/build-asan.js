// Builds an AddressSanitizer + UndefinedBehaviorSanitizer copy of the addon into build-asan/
// (build-asan/neurona.node), leaving the normal build/ untouched. Same sources (tools/sources.js),
// defines and include paths as binding.gyp; -O1 -g instead of -O3. The ISA files (*_avx2.cc,
// *_avx512.cc) need no special flags: they select their ISA with pragmas (native/simd/target.h),
// exactly as in the normal build. Incremental: an object is rebuilt when its source, a header it
// includes (gcc -MMD) or the flags changed. JOBS=<n> sets the parallelism (default 2).
// Load it with tools/asan-env.js (LD_PRELOAD of the sanitizer runtimes + NEURONA_ADDON_PATH).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync, execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
{
  const why = require('./asan-env').unsupported();
  if (why) { console.log(`build-asan: skipped: ${why}`); process.exit(0); }
}
const out = path.join(root, 'build-asan');
const objDir = path.join(out, 'obj');
const target = path.join(out, 'neurona.node');
const CXX = process.env.CXX || 'g++';
const jobs = Math.max(1, Number(process.env.JOBS) || 2);

/** Node's C headers (node_api.h): next to the running node, under node-gyp's cache, or from build/config.gypi. */
function nodeInclude() {
  const v = process.version.slice(1);
  const cands = [path.resolve(process.execPath, '..', '..', 'include', 'node')];
  try {
    const m = /"nodedir":\s*"([^"]+)"/.exec(fs.readFileSync(path.join(root, 'build', 'config.gypi'), 'utf8'));
    if (m) cands.push(path.join(m[1], 'include', 'node'));
  } catch (_) { /* no normal build configured */ }
  const home = os.homedir();
  cands.push(path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'node-gyp', v, 'include', 'node'));
  cands.push(path.join(home, '.node-gyp', v, 'include', 'node'), '/usr/include/node', '/usr/local/include/node');
  const hit = cands.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (hit) return hit;
  // node-gyp downloads the headers it needs for this node version
  spawnSync(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'install'], { stdio: 'inherit' });
  const again = cands.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (!again) throw new Error(`build-asan: node headers (node_api.h) not found in ${cands.join(', ')}`);
  return again;
}

/**
 * binding.gyp's "defines", read from the file so the sanitizer build cannot drift from the release one
 * (it once lacked NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS, and a worker terminated in the middle of an
 * addon call then aborted the process instead of unwinding).
 */
function gypDefines() {
  const m = /"defines"\s*:\s*(\[[^\]]*\])/.exec(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8'));
  if (!m) throw new Error('build-asan: no "defines" list in binding.gyp');
  return JSON.parse(m[1]).map((d) => `-D${d}`);
}

const SAN = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined'];
const cflags = [
  '-fPIC', '-pthread', '-m64', '-O1', '-g', ...SAN,
  '-std=c++17', '-fexceptions', '-fvisibility=hidden', '-fno-math-errno',
  '-Wall', '-Wextra', '-Wno-unused-parameter',
  // binding.gyp's defines, plus the ones node-gyp adds
  '-DNODE_GYP_MODULE_NAME=neurona', '-DBUILDING_NODE_EXTENSION', '-D_GLIBCXX_USE_CXX11_ABI=1',
  '-D_FILE_OFFSET_BITS=64', '-D_LARGEFILE_SOURCE', '-D__STDC_FORMAT_MACROS',
  ...gypDefines(),
  `-I${nodeInclude()}`, `-I${path.resolve(require('node-addon-api').include_dir.replace(/^"|"$/g, ''))}`,
  `-I${path.join(root, 'native', 'include')}`, `-I${path.join(root, 'native')}`,
];
const ldflags = ['-shared', '-pthread', '-m64', '-rdynamic', ...SAN, '-Wl,-soname=neurona.node'];

const sources = execFileSync(process.execPath, [path.join(__dirname, 'sources.js')], { encoding: 'utf8' })
  .split('\n').filter(Boolean);
const stamp = JSON.stringify({ CXX, cflags, ldflags });
const stampFile = path.join(out, 'flags.json');
fs.mkdirSync(objDir, { recursive: true });
const flagsChanged = !fs.existsSync(stampFile) || fs.readFileSync(stampFile, 'utf8') !== stamp;

const mtime = (p) => { try { return fs.statSync(p).mtimeMs; } catch (_) { return Infinity; } };
/** True when obj is missing or older than its source or any dependency listed in its .d file. */
function stale(src, obj, dep) {
  if (flagsChanged || !fs.existsSync(obj) || !fs.existsSync(dep)) return true;
  const t = fs.statSync(obj).mtimeMs;
  const deps = fs.readFileSync(dep, 'utf8').replace(/\\\n/g, ' ').split(':').slice(1).join(':')
    .split(/\s+/).filter(Boolean);
  return [path.join(root, src), ...deps].some((d) => mtime(path.resolve(root, d)) > t);
}

const units = sources.map((src) => {
  const base = path.join(objDir, src.replace(/\.(cc|cpp)$/, ''));
  return { src, obj: `${base}.o`, dep: `${base}.d` };
});
// slowest compiles first (so none starts last and leaves a core idle): the time it took last
// build, else the size of the source plus the .inc files it includes (the SIMD bodies)
const timesFile = path.join(out, 'times.json');
let times = {};
try { times = JSON.parse(fs.readFileSync(timesFile, 'utf8')); } catch (_) { /* first build */ }
const size = (u) => {
  if (times[u.src]) return 1e9 * times[u.src];
  const file = path.join(root, u.src);
  const text = fs.readFileSync(file, 'utf8');
  let n = text.length;
  for (const m of text.matchAll(/#include "([^"]+\.inc)"/g)) {
    for (const dir of [path.dirname(file), path.join(root, 'native')]) {
      const inc = path.join(dir, m[1]);
      if (fs.existsSync(inc)) { n += fs.statSync(inc).size; break; }
    }
  }
  return n;
};
const todo = units.filter((u) => stale(u.src, u.obj, u.dep)).sort((a, b) => size(b) - size(a));

function compile(u) {
  fs.mkdirSync(path.dirname(u.obj), { recursive: true });
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(CXX, [...cflags, '-MMD', '-MF', u.dep, '-c', u.src, '-o', u.obj], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('close', (code) => {
      times[u.src] = (Date.now() - t0) / 1000;
      console.log(`  ${code === 0 ? 'CXX' : 'FAIL'} ${u.src} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      resolve(code === 0);
    });
  });
}

async function main() {
  const t0 = Date.now();
  console.log(`build-asan: ${todo.length}/${units.length} objects to compile with ${CXX} -O1 ${SAN.join(' ')} (-j${jobs})`);
  let next = 0, ok = true;
  const worker = async () => {
    while (next < todo.length && ok) { const u = todo[next++]; if (!(await compile(u))) ok = false; }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  if (!ok) { console.error('build-asan: compile failed'); process.exit(1); }
  const newest = Math.max(...units.map((u) => mtime(u.obj)));
  if (todo.length || flagsChanged || mtime(target) < newest) {
    const r = spawnSync(CXX, [...ldflags, '-o', target, ...units.map((u) => u.obj), '-ldl'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) { console.error('build-asan: link failed'); process.exit(1); }
  }
  fs.writeFileSync(stampFile, stamp);
  fs.writeFileSync(timesFile, JSON.stringify(times));
  console.log(`build-asan: ${path.relative(root, target)} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
main();
