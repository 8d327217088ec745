// Clean-install check (CommonJS): require('neurona') from a fresh project, train an MLP on XOR,
// and check that the addon came from the package's prebuilds/ folder (tools/test-install.js).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const nr = require('neurona');

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

const pkg = path.dirname(require.resolve('neurona/package.json'));
const addons = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).filter((p) => p && p.endsWith('.node'));
const mine = [...new Set(addons)].filter((p) => p.startsWith(pkg + path.sep));
assert.deepStrictEqual(mine.map((p) => path.relative(pkg, p)), [`prebuilds/${process.platform}-${process.arch}/neurona.glibc.node`]);
// The bundled Fashion-MNIST sample ships with the package and loads from it.
const fm = nr.data.fashionMnist({ source: 'sample' });
assert.ok(fm.root.startsWith(pkg + path.sep), `sample read from ${fm.root}, not the installed package`);
assert.strictEqual(fm.images.shape[0], 4000);
const cuda = nr.cuda.info();
if (fs.existsSync(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'libneurona_cuda.so'))) {
  assert.strictEqual(cuda.library, path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'libneurona_cuda.so'));
}
console.log(`cjs: loss ${first.toFixed(4)} -> ${last.toFixed(4)} in 200 Adam steps; addon ${path.relative(pkg, mine[0])}; cuda: ${cuda.library ? path.relative(pkg, cuda.library) + (cuda.available ? ' (available)' : ` loaded, ${cuda.reason}`) : `searched ${path.relative(pkg, cuda.searched[0])} first, not there`}`);
