// Clean-install check (TypeScript): type-checked with tsc against the published .d.ts files, compiled
// to CommonJS and run in a fresh project (tools/test-install.js); trains an MLP on XOR.
import * as assert from 'assert';
import * as nr from 'neurona';
import type { Tensor } from 'neurona';

nr.manualSeed(0);
const x: Tensor = nr.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype: 'float32' });
const y: Tensor = nr.tensor([0, 1, 1, 0], { dtype: 'int64' });
const model = new nr.nn.Sequential(new nr.nn.Linear(2, 16), new nr.nn.Tanh(), new nr.nn.Linear(16, 2));
const opt = new nr.optim.Adam(model.parameters(), { lr: 0.05 });
const losses: number[] = [];
for (let step = 0; step < 200; step++) {
  nr.tidy(() => {
    const loss: Tensor = nr.nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item() as number);
  });
}
const first = losses[0], last = losses[losses.length - 1];
assert.ok(last < 0.1 && last < first / 4, `loss did not go down: ${first} -> ${last}`);
const level: string = nr.backend.cpuInfo().active;
console.log(`ts: loss ${first.toFixed(4)} -> ${last.toFixed(4)} in 200 Adam steps; kernels ${level}`);
