// io throughput: safetensors save/load and checkpoint save/load (with its SHA-256) of a state dict of
// `mb` megabytes of float32 tensors (24 tensors), in a temporary directory. save/saveCheckpoint
// include the fsync and rename of the atomic write, so the numbers depend on the disk.
// Run: npx vite-node bench/io.ts [mb=256] [iters=3]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';

const mb = Number(process.argv[2] ?? 256);
const iters = Number(process.argv[3] ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-bench-io-'));

function best(fn: () => void): number {
  let b = Infinity;
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    b = Math.min(b, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return b;
}

const sd: Record<string, Tensor> = {};
const per = Math.floor((mb * 2 ** 20) / 4 / 24);
for (let i = 0; i < 24; i++) sd[`layer${i}.weight`] = nr.randn([per]);
const bytes = 24 * per * 4;
const file = path.join(dir, 'model.safetensors'), ckpt = path.join(dir, 'model.ckpt');
const report = (what: string, ms: number) => console.log(`${what.padEnd(20)} ${ms.toFixed(1).padStart(8)} ms  ${(bytes / 2 ** 30 / (ms / 1e3)).toFixed(2)} GiB/s`);

try {
  console.log(`${(bytes / 2 ** 20).toFixed(0)} MiB in 24 float32 tensors, best of ${iters}`);
  report('save', best(() => nr.io.save(file, sd)));
  report('load', best(() => { for (const t of Object.values(nr.io.load(file))) t.dispose(); }));
  report('serialize', best(() => { nr.io.serialize(sd); }));
  const buf = nr.io.serialize(sd);
  report('deserialize', best(() => { for (const t of Object.values(nr.io.deserialize(buf))) t.dispose(); }));
  report('saveCheckpoint', best(() => nr.io.saveCheckpoint(ckpt, { model: sd, epoch: 1 })));
  report('loadCheckpoint', best(() => { for (const t of Object.values(nr.io.loadCheckpoint(ckpt).model!)) t.dispose(); }));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
