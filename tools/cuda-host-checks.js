// Runs the host checks of the CUDA kernels, which need nvcc but no GPU (CI runs them after
// build:cuda): cuda/dev/ext_host_check.cu (the extended elementwise op definitions and the Philox
// generator, bit for bit against the CPU scalar code) and cuda/dev/conv_emu.cc (the convolution
// loaders, tile maps, epilogues and split-K ranges on the CPU against a float64 convolution) and
// cuda/dev/sort_host_check.cu (sort keys, bitonic schedules and the warp-scan split against std::stable_sort),
// cuda/dev/flash_emu.cc (flash attention forward/backward tile loops, masks and causal offsets,
// emulated in float64 against naive attention and its gradients),
// cuda/dev/index_emu.cc (the indexing kernels' bodies and index math against native/kernels/ref/index.cc),
// cuda/dev/cumisc_host_check.cc (optimizer steps, cross-entropy rows, adaptive pooling windows).
// Each is compiled with nvcc into a temporary folder and must print its own pass line and exit 0.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (!has('nvcc')) {
  console.log('cuda host checks: skipped (nvcc not found)');
  process.exit(0);
}
const objDir = path.join(root, 'build-cuda/CMakeFiles/nrc_objs.dir/cuda');
if (!fs.existsSync(objDir)) {
  console.error(`cuda host checks: ${objDir} is missing; run npm run build:cuda first`);
  process.exit(1);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nrc-host-'));
const common = ['-std=c++17', '-O2', '-arch=sm_80', '--expt-relaxed-constexpr', '-I', path.join(root, 'cuda'), '-I', path.join(root, 'native/include')];
const objs = (skip) => fs.readdirSync(objDir).filter((f) => f.endsWith('.o') && !skip.test(f)).map((f) => path.join(objDir, f));
const checks = [
  { name: 'ext_host_check', args: [path.join(root, 'cuda/dev/ext_host_check.cu')], ok: /PASS philox/ },
  // compiled as CUDA to an object, then linked with the library's other objects (host symbols)
  { name: 'conv_emu', pre: ['-x', 'cu', '-c', path.join(root, 'cuda/dev/conv_emu.cc')], args: [...objs(/^conv/)], ok: /conv_emu: ok \(0 failed\)/ },
  // sort keys, bitonic network schedules (shared and chunked multi-pass) and the warp-scan split (cuda/sort_net.cuh)
  { name: 'sort_host_check', args: [path.join(root, 'cuda/dev/sort_host_check.cu')], ok: /sort_host_check: ok \(0 failed\)/ },
  // header-only: the flash attention tile loops (cuda/flash_tiles.cuh rules) emulated in float64
  { name: 'flash_emu', args: ['-x', 'cu', path.join(root, 'cuda/dev/flash_emu.cc')], ok: /flash_emu: ok \(0 failed\)/ },
  // indexing kernels' index math (index_math.cuh) against the CPU reference kernels, linked from source
  { name: 'index_emu', pre: ['-I', path.join(root, 'native'), '-x', 'cu', '-c', path.join(root, 'cuda/dev/index_emu.cc')],
    args: ['-I', path.join(root, 'native'), path.join(root, 'native/kernels/ref/index.cc')], ok: /index_emu: ok \(0 failed\)/ },
  // cumisc: optimizer steps, cross-entropy row pieces and adaptive-pool windows against the CPU reference kernels
  { name: 'cumisc_host_check', pre: ['-x', 'cu', '-c', path.join(root, 'cuda/dev/cumisc_host_check.cc')],
    args: [path.join(root, 'native/kernels/ref/optim.cc'), path.join(root, 'native/kernels/ref/loss.cc')], ok: /cumisc_host_check: ok/ },
];
let failed = 0;
for (const c of checks) {
  const exe = path.join(tmp, c.name);
  const t0 = Date.now();
  let b = { status: 0, stdout: '', stderr: '' };
  const args = [...c.args];
  if (c.pre) {
    const obj = `${exe}.o`;
    b = spawnSync('nvcc', [...common, ...c.pre, '-o', obj], { encoding: 'utf8' });
    args.unshift(obj);
  }
  if (b.status === 0) b = spawnSync('nvcc', [...common, ...args, '-o', exe], { encoding: 'utf8' });
  if (b.status !== 0) { console.error(`cuda host checks: building ${c.name} failed:\n${b.stdout}${b.stderr}`); failed++; continue; }
  const r = spawnSync(exe, [], { encoding: 'utf8', timeout: 300_000 });
  const out = `${r.stdout}${r.stderr}`;
  const pass = r.status === 0 && c.ok.test(out);
  if (!pass) { failed++; console.error(out.split('\n').filter((l) => !/^PASS/.test(l)).slice(-40).join('\n')); }
  console.log(`cuda host checks: ${c.name} ${pass ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(0)} s; ${out.split('\n').filter((l) => /^PASS/.test(l)).length} PASS lines)`);
}
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
