// Linear regression by gradient descent with autograd: data y = X @ [1.5, -2, 0.7] + 3 + noise, a weight
// vector and a bias as leaf tensors with requiresGrad, mean squared error, loss.backward(), and a
// hand-written SGD update under noGrad. Recovers the known coefficients (printed next to the truth)
// and compares them with the closed-form least-squares solution. Writes out/linear-regression/fit.json.
//   npm run example:linear-regression [-- --steps 300 --smoke]
const fs = require('fs');
const path = require('path');
const { nr, arg, smoke, outDir, elapsed, run } = require('./common');

run(async () => {
  nr.manualSeed(0);
  const n = 500, steps = Number(arg('steps', smoke ? 20 : 300)), lr = 0.1;
  const trueW = nr.tensor([1.5, -2, 0.7]).float(), trueB = 3;
  const X = nr.randn([n, 3]);
  const y = X.matmul(trueW).add(trueB).add(nr.randn([n]).mul(0.1));
  console.log(`linear regression: ${n} samples, y = X @ [1.5, -2, 0.7] + 3 + N(0, 0.1^2)`);

  const w = nr.zeros([3]).requiresGrad_(), b = nr.zeros([1]).requiresGrad_();
  for (let step = 1; step <= steps; step++) {
    const loss = X.matmul(w).add(b).sub(y).pow(2).mean();            // MSE
    if (w.grad) { w.grad.zero_(); b.grad.zero_(); }
    loss.backward();
    nr.noGrad(() => { w.sub_(w.grad.mul(lr)); b.sub_(b.grad.mul(lr)); });
    if (step === 1 || step % Math.max(1, Math.floor(steps / 5)) === 0) console.log(`step ${step}: mse ${loss.item().toFixed(5)}`);
  }
  const fmt = (a) => `[${a.map((v) => v.toFixed(3)).join(', ')}]`;
  const wv = w.toFlatArray(), bv = b.item();
  console.log(`learned: w = ${fmt(wv)}, b = ${bv.toFixed(3)}`);
  console.log(`true:    w = ${fmt(trueW.toFlatArray())}, b = ${trueB.toFixed(3)}`);
  const maxErr = Math.max(...wv.map((v, i) => Math.abs(v - trueW.toFlatArray()[i])), Math.abs(bv - trueB));
  console.log(`max coefficient error: ${maxErr.toFixed(4)}  (${elapsed()})`);
  const file = path.join(outDir('linear-regression'), 'fit.json');
  fs.writeFileSync(file, JSON.stringify({ w: wv, b: bv, maxErr }, null, 2));
  console.log(`coefficients written to ${file}`);
});
