// The perceptron (Rosenblatt, 1958): one neuron with a step activation, trained with the perceptron
// learning rule w <- w + lr * (target - prediction) * x on a linearly separable 2-D problem (points
// labelled by which side of the line 2*x1 - x2 + 0.5 = 0 they lie on, with a margin). No gradients:
// the rule only updates on mistakes, and it converges in finitely many epochs on separable data.
// Prints the errors per epoch, the learned line and the training accuracy; writes out/perceptron/weights.json.
//   npm run example:perceptron [-- --epochs 20 --smoke]
const fs = require('fs');
const path = require('path');
const { nr, arg, smoke, outDir, elapsed, run } = require('./common');

run(async () => {
  nr.manualSeed(0);
  const n = smoke ? 40 : 200, epochs = Number(arg('epochs', smoke ? 3 : 50)), lr = 0.1;
  // Points in [-2, 2]^2 away from the true boundary (margin 0.3), labels in {0, 1}.
  const trueW = nr.tensor([2, -1]).float(), trueB = 0.5;
  let x = nr.rand([4 * n, 2]).mul(4).sub(2);
  const score = x.matmul(trueW).add(trueB);
  const keep = score.abs().gt(0.3).nonzero().squeeze(1).narrow(0, 0, n);
  x = x.indexSelect(0, keep);
  const y = nr.step(score.indexSelect(0, keep));                      // (n,) 0/1
  console.log(`perceptron: ${n} linearly separable points, labels by step(2*x1 - x2 + 0.5)`);

  let w = nr.zeros([2]), b = 0;
  const targets = y.toFlatArray();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let errors = 0;
    for (let i = 0; i < n; i++) {
      const xi = x.select(0, i);
      const pred = nr.step(xi.dot(w).add(b)).item();                 // step activation
      const delta = targets[i] - pred;                                // -1, 0 or +1
      if (delta !== 0) {                                              // the perceptron rule
        w = w.add(xi.mul(lr * delta));
        b += lr * delta;
        errors++;
      }
    }
    console.log(`epoch ${epoch}: ${errors} mistakes`);
    if (errors === 0) break;
  }
  const acc = nr.step(x.matmul(w).add(b)).eq(y).float().mean().item();
  const [w1, w2] = w.toFlatArray();
  console.log(`learned boundary: ${w1.toFixed(3)}*x1 + ${w2.toFixed(3)}*x2 + ${b.toFixed(3)} = 0  (true: 2*x1 - 1*x2 + 0.5 = 0, up to scale)`);
  console.log(`training accuracy: ${(100 * acc).toFixed(2)}%  (${elapsed()})`);
  const file = path.join(outDir('perceptron'), 'weights.json');
  fs.writeFileSync(file, JSON.stringify({ w: [w1, w2], b }, null, 2));
  console.log(`weights written to ${file}`);
});
