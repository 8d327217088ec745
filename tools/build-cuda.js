// Builds libneurona_cuda.so with CMake when nvcc and cmake are available (CI has nvcc but no GPU);
// otherwise says why it skipped. The core addon never needs it: it is loaded with dlopen at runtime.
const { spawnSync } = require('child_process');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (!has('nvcc') || !has('cmake')) {
  console.log(`build-cuda: skipped (${has('nvcc') ? 'cmake' : 'nvcc'} not found); CPU-only build`);
  process.exit(0);
}
const jobs = process.env.JOBS || String(require('os').availableParallelism?.() ?? 2);
const run = (args) => {
  const r = spawnSync('cmake', args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const t0 = Date.now();
run(['-S', '.', '-B', 'build-cuda', '-DCMAKE_BUILD_TYPE=Release', ...(process.env.NEURONA_CUDA_ARCHS ? [`-DNEURONA_CUDA_ARCHS=${process.env.NEURONA_CUDA_ARCHS}`] : [])]);
run(['--build', 'build-cuda', '-j', jobs]);
console.log(`build-cuda: libneurona_cuda.so built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
