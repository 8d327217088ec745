// Device-run check of the Node side: loads the built package (dist/cjs + the addon), which finds
// libneurona_cuda.so through its normal search (<package>/build-cuda/), and prints nr.cuda.info().
// Exits non-zero unless CUDA is available with at least one device. Usage: node node_check.js <pkg>
const path = require('path');
const nr = require(path.resolve(process.argv[2] || '.', 'dist/cjs'));
const info = nr.cuda.info();
console.log(JSON.stringify(info, null, 2));
const x = nr.tensor([1.5, 2], { dtype: 'float32' });
console.log('cpu op after cuda load:', x.add(x).toArray());
if (!nr.cuda.isAvailable() || info.devices.length < 1) {
  console.error('node check: CUDA unavailable:', info.reason);
  process.exit(1);
}
console.log(`node check: ok (${info.devices[0].name}, cc ${info.devices[0].cc}, ${(info.devices[0].memory / 2 ** 30).toFixed(1)} GiB)`);
