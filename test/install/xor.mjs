// Clean-install check (ES module): import * as nr from 'neurona' in a fresh project, train an MLP on
// XOR, and check that the addon came from the package's prebuilds/ folder (tools/test-install.js).
import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nr from 'neurona';

nr.manualSeed(0);
const x = nr.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float32' });
const y = nr.tensor([0, 1, 1, 0], { dtype: 'int64' });
const model = new nr.nn.Sequential(new nr.nn.Linear(2, 16), new nr.nn.Tanh(), new nr.nn.Linear(16, 2));
const opt = new nr.optim.Adam(model.parameters(), { lr: 0.05 });
const losses = [];
for (let step = 0; step < 200; step++) {
  nr.tidy(() => {
    const loss = nr.nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  });
}
const [first, last] = [losses[0], losses[losses.length - 1]];
assert.ok(last < 0.1 && last < first / 4, `loss did not go down: ${first} -> ${last}`);

const pkg = path.dirname(fileURLToPath(import.meta.resolve('neurona/package.json')));
const addons = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).filter((p) => p && p.endsWith('.node'));
const mine = [...new Set(addons)].filter((p) => p.startsWith(pkg + path.sep));
assert.deepStrictEqual(mine.map((p) => path.relative(pkg, p)), [`prebuilds/${process.platform}-${process.arch}/neurona.glibc.node`]);
console.log(`esm: loss ${first.toFixed(4)} -> ${last.toFixed(4)} in 200 Adam steps; addon ${path.relative(pkg, mine[0])}`);
