// `npm run prebuild`: builds the addon with prebuildify as a Node-API binary into
// prebuilds/<platform>-<arch>/neurona.<libc>.node (the name node-gyp-build looks for), stripped,
// compiled with JOBS=2, and copies libneurona_cuda.so next to it when `npm run build:cuda` made one
// (build-cuda/); the addon's CUDA loader searches its own folder first after $NEURONA_CUDA_LIB.
// prebuildify runs `node-gyp rebuild` in the folder it is given and moves the binary out of
// build/Release, so it runs in a temp copy of the sources: the checkout's build/Release stays as is.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const tuple = `${process.platform}-${process.arch}`;
const outDir = path.join(root, 'prebuilds', tuple);
const cudaLib = path.join(root, 'build-cuda', 'libneurona_cuda.so');
// What node-gyp needs to compile the addon (binding.gyp globs native/ via tools/sources.js;
// native/runtime/cuda_loader.h includes cuda/neurona_cuda.h).
const inputs = ['package.json', 'binding.gyp', 'native', 'cuda/neurona_cuda.h', 'tools/sources.js'];

// npm also runs scripts.prebuild as the pre-hook of `npm run build`; only `npm run prebuild` (or
// `node tools/prebuild.js`) should compile. The environment is identical in both cases, so this
// looks at the command line of the npm process above (Linux /proc, elsewhere ps).
function hookOfBuild() {
  if (process.env.npm_lifecycle_event !== 'prebuild') return false;
  const proc = (pid) => {
    try {
      if (fs.existsSync('/proc/self/stat')) {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return { ppid, args: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0\s]+/).filter(Boolean) }; // npm retitles itself 'npm run build'
      }
      const out = spawnSync('ps', ['-o', 'ppid=', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
      const m = /^(\d+)\s+(.*)$/.exec(out);
      return m && { ppid: Number(m[1]), args: m[2].split(/\s+/) };
    } catch (_) {
      return null;
    }
  };
  for (let pid = process.ppid, i = 0; i < 4 && pid > 1; i++) {
    const p = proc(pid);
    if (!p) return false;
    const k = p.args.findIndex((a) => /(^|\/)(npm-cli\.js|npm)$/.test(a));
    if (k >= 0) {
      const words = p.args.slice(k + 1).filter((a) => !a.startsWith('-'));
      return ['run', 'run-script', 'rum', 'urn'].includes(words[0]) && words[1] === 'build';
    }
    pid = p.ppid;
  }
  return false;
}

function main() {
  if (hookOfBuild()) {
    console.log('prebuild: skipped (npm runs it before `npm run build`; run `npm run prebuild` to make prebuilds/)');
    return;
  }
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'neurona-prebuild-'));
  try {
    for (const rel of inputs) fs.cpSync(path.join(root, rel), path.join(tmp, rel), { recursive: true });
    // node-addon-api (include_dirs) and node-gyp resolve from the copy through this link.
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
    fs.rmSync(outDir, { recursive: true, force: true });

    const env = { ...process.env, JOBS: process.env.JOBS || '2' };
    // Use the running Node's own headers when it has them (no download from nodejs.org).
    const nodedir = path.join(path.dirname(process.execPath), '..');
    if (!env.npm_config_nodedir && fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
      env.npm_config_nodedir = nodedir;
    }
    const bin = require.resolve('prebuildify/bin.js');
    // --napi: one binary for every Node version with N-API 8; --tag-libc: named neurona.glibc.node
    // (or .musl), so node-gyp-build never hands a glibc build to a musl system.
    const args = [bin, '--napi', '--strip', '--tag-libc', `--target=${process.versions.node}`, `--out=${root}`, tmp];
    console.log(`prebuild: prebuildify ${args.slice(1, -2).join(' ')} (in ${tmp}, JOBS=${env.JOBS})`);
    const r = spawnSync(process.execPath, args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`prebuildify failed (exit ${r.status ?? r.signal})`);

    if (process.platform === 'linux' && fs.existsSync(cudaLib)) {
      const dest = path.join(outDir, 'libneurona_cuda.so');
      fs.copyFileSync(cudaLib, dest);
      // Debug info only: the C ABI is in .dynsym, the GPU code in allocated sections.
      const s = spawnSync(env.PREBUILD_STRIP_BIN || 'strip', ['--strip-unneeded', dest], { stdio: 'inherit' });
      if (s.status !== 0) throw new Error('strip of libneurona_cuda.so failed');
    } else {
      console.log('prebuild: no build-cuda/libneurona_cuda.so (run `npm run build:cuda` where nvcc exists); CPU-only prebuild');
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const f of fs.readdirSync(outDir)) {
    const st = fs.statSync(path.join(outDir, f));
    console.log(`prebuild: ${path.relative(root, path.join(outDir, f))} ${(st.size / 1e6).toFixed(1)} MB`);
  }
  console.log(`prebuild: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

try {
  main();
} catch (e) {
  console.error(`prebuild: ${e.message}`);
  process.exit(1);
}
