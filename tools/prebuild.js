// `npm run build:prebuilds`: builds the addon with prebuildify as a Node-API binary into
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

function main() {
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
