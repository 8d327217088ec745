// The default demo: trains a LeNet-5 style CNN on the Fashion-MNIST sample bundled with neurona
// (or the full set with --full when Debian's dataset-fashion-mnist is installed), prints test
// accuracy and writes the training curve as a self-contained SVG.
//   npm run demo [-- --epochs 3 --full --threads 2]
const path = require('path');
const nr = require('../dist/cjs');
const { nn, optim, data } = nr;
const F = nn.functional;

const argv = process.argv.slice(2);
const arg = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i < 0 ? dflt : (argv[i + 1] === undefined || argv[i + 1].startsWith('--') ? true : argv[i + 1]); };
const epochs = Number(arg('epochs', 15));
const source = arg('full', false) ? 'full' : 'sample';
if (arg('threads', null)) nr.backend.setNumThreads(Number(arg('threads')));

nr.manualSeed(0);
function load(split) {
  const { images, labels, root } = data.fashionMnist({ source, split });
  const x = data.toFloat(images).unsqueeze(1).sub(0.2860).div(0.3530);   // (N, 1, 28, 28), standardised
  return { x, y: labels.long(), root };
}
const train = load('train'), test = load('test');
console.log(`Fashion-MNIST (${source}) from ${train.root}: ${train.x.shape[0]} train / ${test.x.shape[0]} test images`);

const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
const loader = new data.DataLoader(new data.TensorDataset(train.x, train.y), { batchSize: 64, shuffle: true, seed: 0 });
const testLoader = new data.DataLoader(new data.TensorDataset(test.x, test.y), { batchSize: 500 });

// Prints each epoch's test accuracy (fit evaluates the validation data after every epoch).
const t0 = Date.now();
class Report extends nr.train.Callback {
  onEpochEnd(epoch, logs) {
    console.log(`epoch ${epoch}/${epochs}  loss ${logs.loss.toFixed(4)}  test accuracy ${(100 * logs.val_accuracy).toFixed(2)}%  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

(async () => {
  const history = await model.fit(loader, {
    epochs, optimizer: opt, loss: 'crossEntropy', metrics: ['accuracy'],
    validationData: testLoader, callbacks: [new Report()], verbose: process.stdout.isTTY ? 1 : 0,
  });
  const { accuracy } = await model.evaluate(testLoader, { metrics: ['accuracy'] });
  console.log(`test accuracy: ${(100 * accuracy).toFixed(2)}%`);

  // Training curves (loss and accuracy, train vs test) as a self-contained SVG.
  const out = path.join(process.cwd(), 'demo-training-curve.svg');
  nr.train.plotHistory(history, out, { title: `LeNet-5 on Fashion-MNIST (${source}): final test accuracy ${(100 * accuracy).toFixed(2)}%` });
  console.log(`training curve written to ${out}`);
})().catch((e) => { console.error(e); process.exit(1); });
